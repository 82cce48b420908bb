//! VPC links (CreateVpcLink, GetVpcLink(s), UpdateVpcLink, DeleteVpcLink) with the shapes and
//! messages of AWS's recorded answers, and the check of an integration's `connectionType` /
//! `connectionId`. Nothing is provisioned: a link is PENDING for a moment after creation, then
//! AVAILABLE, as AWS reports one once its load balancer is attached.

use std::collections::BTreeMap;

use axum::http::{Method as Verb, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::Ctx;
use super::model::{ApiGatewayState, VpcLink};
use super::ops::{Result, body, fresh_id, no_content, ok, page, unsupported, write};
use super::patch;
use super::validation::Violations;
use super::wire::PatchIn;
use crate::local::common::{Req, RestJsonError, lock, now_ms};

/// How long a new link stays PENDING (AWS's take minutes while the load balancer attaches).
pub const PENDING_MS: i64 = 100;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VpcLinkOut {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub target_arns: Vec<String>,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_message: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateVpcLinkIn {
    name: Option<String>,
    description: Option<String>,
    #[serde(default)]
    target_arns: Vec<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

/// How a link is rendered: as created (PENDING, tags only when given), read alone (`tags: {}`
/// always) or listed (tags only when there are some), as AWS's recorded answers show.
#[derive(Clone, Copy, PartialEq)]
enum View {
    Created,
    Single,
    Listed,
}

fn render(link: &VpcLink, view: View, now: i64) -> VpcLinkOut {
    let pending = view == View::Created || now - link.created_ms < PENDING_MS;
    VpcLinkOut {
        id: link.id.clone(),
        name: link.name.clone(),
        description: link.description.clone(),
        target_arns: link.target_arns.clone(),
        status: if pending { "PENDING" } else { "AVAILABLE" },
        status_message: (!pending).then_some("Your vpc link is ready for use"),
        tags: (view == View::Single || !link.tags.is_empty()).then(|| link.tags.clone()),
    }
}

fn missing() -> RestJsonError {
    RestJsonError::not_found("Invalid Vpc Link identifier specified")
}

/// `arn:partition:service:region:account:resource`, as AWS checks a target ARN's form.
fn well_formed_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && !parts[1].is_empty()
        && !parts[2].is_empty()
        && !parts[5].is_empty()
}

fn check_name(name: Option<&str>) -> Result<String> {
    name.filter(|n| !n.trim().is_empty())
        .map(ToOwned::to_owned)
        .ok_or_else(|| RestJsonError::bad_request("Name cannot be empty"))
}

pub(super) fn route(cx: &Ctx<'_>, req: &Req, seg: &[&str]) -> Option<Result<Response>> {
    Some(match (seg, &req.method) {
        (["vpclinks"], &Verb::POST) => create(cx, req),
        (["vpclinks"], &Verb::GET) => {
            let state = lock(cx.state);
            let now = now_ms();
            let mut links: Vec<&VpcLink> = state.vpc_links.values().collect();
            links.sort_by(|a, b| (a.created_ms, &a.id).cmp(&(b.created_ms, &b.id)));
            let items = links
                .into_iter()
                .map(|l| render(l, View::Listed, now))
                .collect();
            Ok(ok(StatusCode::OK, page(items, req)))
        }
        (["vpclinks", id], &Verb::GET) => {
            let state = lock(cx.state);
            state
                .vpc_links
                .get(*id)
                .ok_or_else(missing)
                .map(|l| ok(StatusCode::OK, render(l, View::Single, now_ms())))
        }
        (["vpclinks", id], &Verb::PATCH) => update(cx, req, id),
        (["vpclinks", id], &Verb::DELETE) => write(cx, "", |state| {
            state.vpc_links.remove(*id).ok_or_else(missing)?;
            Ok(no_content(StatusCode::ACCEPTED))
        }),
        (["vpclinks", ..], _) => Err(unsupported(req)),
        _ => return None,
    })
}

fn create(cx: &Ctx<'_>, req: &Req) -> Result<Response> {
    let input: CreateVpcLinkIn = body(req)?;
    let name = check_name(input.name.as_deref())?;
    if input.target_arns.is_empty() {
        return Err(RestJsonError::bad_request(
            "Target ARNs cannot be empty: a VPC link needs its network load balancer's ARN",
        ));
    }
    if let Some(bad) = input.target_arns.iter().find(|a| !well_formed_arn(a)) {
        return Err(RestJsonError::bad_request(format!(
            "Invalid ARN. ARN is not well formed {bad}"
        )));
    }
    let value = write(cx, "", |state| {
        let link = VpcLink {
            id: fresh_id(&state.vpc_links),
            name,
            description: input.description.filter(|d| !d.is_empty()),
            target_arns: input.target_arns,
            created_ms: now_ms(),
            tags: input.tags,
        };
        let value = render(&link, View::Created, link.created_ms);
        state.vpc_links.insert(link.id.clone(), link);
        Ok(value)
    })?;
    Ok(ok(StatusCode::ACCEPTED, value))
}

fn update(cx: &Ctx<'_>, req: &Req, id: &str) -> Result<Response> {
    let input: PatchIn = body(req)?;
    patch::check_ops(&input.patch_operations, "updateVpcLinkInput")?;
    let value = write(cx, "", |state| {
        let mut link = state.vpc_links.get(id).cloned().ok_or_else(missing)?;
        for op in &input.patch_operations {
            const PATHS: [&str; 2] = ["/name", "/description"];
            if op.op != "replace" {
                return Err(patch::unsupported_op(op));
            }
            match op.path.as_str() {
                "/name" => link.name = check_name(op.value.as_deref())?,
                "/description" => link.description = patch::optional(op),
                _ => return Err(patch::bad_op(op, &PATHS)),
            }
        }
        let value = render(&link, View::Single, now_ms());
        state.vpc_links.insert(id.to_owned(), link);
        Ok(value)
    })?;
    Ok(ok(StatusCode::OK, value))
}

/// An integration's connection as stored: `INTERNET` (the default) is None; `VPC_LINK` needs a
/// `connectionId` that names a VPC link of the account or a stage variable
/// (`${stageVariables.vpcLinkId}`, resolved when the stage is called).
pub(super) fn check_connection(
    state: &ApiGatewayState,
    connection_type: Option<&str>,
    connection_id: Option<&str>,
    input: &str,
) -> Result<(Option<String>, Option<String>)> {
    let connection_id = connection_id.filter(|c| !c.is_empty());
    let Some(kind) = connection_type.filter(|c| !c.is_empty()) else {
        // A connection id alone implies a VPC link.
        return match connection_id {
            None => Ok((None, None)),
            Some(id) => check_connection(state, Some("VPC_LINK"), Some(id), input),
        };
    };
    let mut v = Violations::new();
    v.one_of(
        kind,
        &format!("{input}.connectionType"),
        &["INTERNET", "VPC_LINK"],
    );
    v.check()?;
    if kind == "INTERNET" {
        return Ok((None, None));
    }
    let Some(id) = connection_id else {
        return Err(RestJsonError::bad_request(
            "Connection ID must be set for a VPC_LINK connection type",
        ));
    };
    if !id.contains("${stageVariables.") && !state.vpc_links.contains_key(id) {
        return Err(RestJsonError::bad_request(
            "Invalid Vpc Link identifier specified",
        ));
    }
    Ok((Some(kind.to_owned()), Some(id.to_owned())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link() -> VpcLink {
        VpcLink {
            id: "abc".into(),
            name: "l".into(),
            description: None,
            target_arns: vec![
                "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/n/1".into(),
            ],
            created_ms: 1_000,
            tags: BTreeMap::new(),
        }
    }

    #[test]
    fn a_link_is_pending_for_a_moment_then_available() {
        let l = link();
        assert_eq!(
            render(&l, View::Single, 1_000 + PENDING_MS - 1).status,
            "PENDING"
        );
        let later = render(&l, View::Single, 1_000 + PENDING_MS);
        assert_eq!(later.status, "AVAILABLE");
        assert_eq!(later.status_message, Some("Your vpc link is ready for use"));
        assert_eq!(later.tags, Some(BTreeMap::new()));
        assert_eq!(render(&l, View::Listed, 1_000 + PENDING_MS).tags, None);
        assert_eq!(render(&l, View::Created, 5_000).status, "PENDING");
    }

    #[test]
    fn target_arns_must_be_well_formed() {
        assert!(well_formed_arn(&link().target_arns[0]));
        assert!(!well_formed_arn("invalid-arn"));
        assert!(!well_formed_arn("arn:aws:elasticloadbalancing"));
    }

    #[test]
    fn a_vpc_link_connection_names_a_link_or_a_stage_variable() {
        let mut state = ApiGatewayState::default();
        state.vpc_links.insert("abc".into(), link());
        let put = "putIntegrationInput";
        assert_eq!(
            check_connection(&state, Some("INTERNET"), None, put).unwrap(),
            (None, None)
        );
        assert_eq!(
            check_connection(&state, Some("VPC_LINK"), Some("abc"), put).unwrap(),
            (Some("VPC_LINK".into()), Some("abc".into()))
        );
        assert!(
            check_connection(&state, Some("VPC_LINK"), Some("${stageVariables.v}"), put).is_ok()
        );
        assert!(check_connection(&state, Some("VPC_LINK"), Some("nope"), put).is_err());
        assert!(check_connection(&state, Some("VPC_LINK"), None, put).is_err());
        let e = check_connection(&state, Some("WRONG"), None, put).unwrap_err();
        assert_eq!(e.code, "ValidationException");
    }
}
