//! Resources: CreateResource, UpdateResource (a path part renamed or a subtree moved under another
//! parent, with AWS's refusals: the root, a cycle, a sibling of the same name) and DeleteResource
//! (the subtree goes with it).

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::Response;

use super::Ctx;
use super::model::{Resource, RestApi};
use super::ops::{Result, api_mut, body, fresh_id, no_content, ok, resource, write};
use super::patch;
use super::wire::{CreateResourceIn, PatchIn, PatchOp, render_resource};
use crate::local::common::{Req, RestJsonError};

/// A path part AWS takes: not empty, no `/`.
fn check_path_part(part: &str) -> Result<()> {
    if part.is_empty() || part.contains('/') {
        return Err(RestJsonError::bad_request(format!(
            "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace. Invalid path part: '{part}'"
        )));
    }
    Ok(())
}

/// `part` may live under `parent`: the parent is not a greedy variable, no other child (than
/// `moving`, the resource being renamed or moved) has that name, and at most one child is a variable.
fn check_place(api: &RestApi, parent: &Resource, part: &str, moving: Option<&str>) -> Result<()> {
    if let Some(greedy) = parent.path_part.as_deref().filter(|p| p.ends_with("+}")) {
        return Err(RestJsonError::bad_request(format!(
            "Cannot create a child of a resource with a greedy path variable: {greedy}"
        )));
    }
    let is_variable = part.starts_with('{') && part.ends_with('}');
    for sibling in api.resources.values().filter(|r| {
        r.parent_id.as_deref() == Some(parent.id.as_str()) && Some(r.id.as_str()) != moving
    }) {
        let sibling_part = sibling.path_part.as_deref().unwrap_or("");
        if sibling_part == part {
            return Err(RestJsonError::conflict(format!(
                "Another resource with the same parent already has this name: {part}"
            )));
        }
        if is_variable && sibling_part.starts_with('{') {
            return Err(RestJsonError::bad_request(format!(
                "A sibling ({sibling_part}) of this resource already has a variable path part -- only one is allowed"
            )));
        }
    }
    Ok(())
}

fn child_path(parent_path: &str, part: &str) -> String {
    if parent_path == "/" {
        format!("/{part}")
    } else {
        format!("{parent_path}/{part}")
    }
}

/// `rid` and every resource under it, `rid` first.
fn subtree(api: &RestApi, rid: &str) -> Vec<String> {
    let mut ids = vec![rid.to_owned()];
    let mut i = 0;
    while i < ids.len() {
        let current = ids[i].clone();
        ids.extend(
            api.resources
                .values()
                .filter(|r| r.parent_id.as_deref() == Some(current.as_str()))
                .map(|r| r.id.clone()),
        );
        i += 1;
    }
    ids
}

pub(super) fn create_resource(
    cx: &Ctx<'_>,
    req: &Req,
    id: &str,
    parent_id: &str,
) -> Result<Response> {
    let input: CreateResourceIn = body(req)?;
    let part = input.path_part.unwrap_or_default();
    check_path_part(&part)?;
    let value = write(cx, id, |state| {
        let api = api_mut(state, id)?;
        let parent = resource(api, parent_id)?.clone();
        check_place(api, &parent, &part, None)?;
        let rid = fresh_id(&api.resources);
        let r = Resource {
            id: rid.clone(),
            parent_id: Some(parent_id.to_owned()),
            path_part: Some(part.clone()),
            path: child_path(&parent.path, &part),
            methods: BTreeMap::new(),
        };
        let value = render_resource(&r, false);
        api.resources.insert(rid, r);
        Ok(value)
    })?;
    Ok(ok(StatusCode::CREATED, value))
}

/// One UpdateResource operation on `rid`: `replace /pathPart` or `replace /parentId`.
fn patch_resource(api: &mut RestApi, rid: &str, op: &PatchOp) -> Result<()> {
    const PATHS: [&str; 2] = ["/parentId", "/pathPart"];
    if op.op != "replace" {
        return Err(patch::unsupported_op(op));
    }
    if !PATHS.contains(&op.path.as_str()) {
        return Err(patch::bad_op(op, &PATHS));
    }
    let field = op.path.trim_start_matches('/');
    if rid == api.root_resource_id {
        return Err(RestJsonError::bad_request(format!(
            "Root resource cannot update its {field}."
        )));
    }
    let current = resource(api, rid)?.clone();
    let value = op.value.clone().unwrap_or_default();
    let (parent_id, part) = if field == "pathPart" {
        check_path_part(&value)?;
        (current.parent_id.clone().unwrap_or_default(), value)
    } else {
        resource(api, &value)?;
        if subtree(api, rid).contains(&value) {
            return Err(RestJsonError::bad_request("Resources cannot be cyclical."));
        }
        (value, current.path_part.clone().unwrap_or_default())
    };
    let parent = resource(api, &parent_id)?.clone();
    check_place(api, &parent, &part, Some(rid))?;
    if let Some(r) = api.resources.get_mut(rid) {
        r.parent_id = Some(parent_id);
        r.path_part = Some(part);
    }
    // The paths of the whole subtree follow, parents before children.
    for id in subtree(api, rid) {
        let Some(r) = api.resources.get(&id) else {
            continue;
        };
        let parent_path = r
            .parent_id
            .as_ref()
            .and_then(|p| api.resources.get(p))
            .map(|p| p.path.clone())
            .unwrap_or_else(|| "/".into());
        let path = child_path(&parent_path, r.path_part.as_deref().unwrap_or(""));
        if let Some(r) = api.resources.get_mut(&id) {
            r.path = path;
        }
    }
    Ok(())
}

pub(super) fn update_resource(cx: &Ctx<'_>, req: &Req, id: &str, rid: &str) -> Result<Response> {
    let input: PatchIn = body(req)?;
    patch::check_ops(&input.patch_operations, "updateResourceInput")?;
    let value = write(cx, id, |state| {
        let api = api_mut(state, id)?;
        resource(api, rid)?;
        // All or nothing: the operations apply to a copy, kept only when every one succeeds.
        let mut updated = api.clone();
        for op in &input.patch_operations {
            patch_resource(&mut updated, rid, op)?;
        }
        let value = render_resource(resource(&updated, rid)?, false);
        api.resources = updated.resources;
        Ok(value)
    })?;
    Ok(ok(StatusCode::OK, value))
}

pub(super) fn delete_resource(cx: &Ctx<'_>, id: &str, rid: &str) -> Result<Response> {
    write(cx, id, |state| {
        let api = api_mut(state, id)?;
        resource(api, rid)?;
        if rid == api.root_resource_id {
            return Err(RestJsonError::bad_request("Cannot delete root resource"));
        }
        for d in subtree(api, rid) {
            api.resources.remove(&d);
        }
        Ok(())
    })?;
    Ok(no_content(StatusCode::ACCEPTED))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local::apigateway::model::Snapshot;
    use crate::local::apigateway::model::fixtures::{api_with, resource};

    fn op(path: &str, value: &str) -> PatchOp {
        PatchOp {
            op: "replace".into(),
            path: path.into(),
            value: Some(value.into()),
        }
    }

    /// `/` with `/a`, `/a/b`, `/a/b/c` and `/d`.
    fn api() -> RestApi {
        let mut resources: BTreeMap<String, Resource> = [
            resource("root", "/", &[]),
            resource("a", "/a", &[]),
            resource("b", "/a/b", &[]),
            resource("c", "/a/b/c", &[]),
            resource("d", "/d", &[]),
        ]
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect();
        resources.get_mut("b").unwrap().parent_id = Some("a".into());
        resources.get_mut("c").unwrap().parent_id = Some("b".into());
        api_with(resources, Snapshot::default()).0
    }

    #[test]
    fn moving_a_resource_moves_its_subtree_paths() {
        let mut a = api();
        patch_resource(&mut a, "b", &op("/parentId", "d")).unwrap();
        assert_eq!(a.resources["b"].path, "/d/b");
        assert_eq!(a.resources["c"].path, "/d/b/c");
        patch_resource(&mut a, "d", &op("/pathPart", "e")).unwrap();
        assert_eq!(a.resources["c"].path, "/e/b/c");
        assert_eq!(a.resources["a"].path, "/a");
    }

    #[test]
    fn cycles_roots_and_name_clashes_are_refused_as_aws_does() {
        let mut a = api();
        let e = patch_resource(&mut a, "a", &op("/parentId", "c")).unwrap_err();
        assert_eq!(e.message, "Resources cannot be cyclical.");
        let e = patch_resource(&mut a, "a", &op("/parentId", "a")).unwrap_err();
        assert_eq!(e.message, "Resources cannot be cyclical.");
        let e = patch_resource(&mut a, "root", &op("/pathPart", "x")).unwrap_err();
        assert_eq!(e.message, "Root resource cannot update its pathPart.");
        let e = patch_resource(&mut a, "d", &op("/pathPart", "a")).unwrap_err();
        assert_eq!(e.status, StatusCode::CONFLICT);
        assert_eq!(
            e.message,
            "Another resource with the same parent already has this name: a"
        );
        let e = patch_resource(&mut a, "d", &op("/parentId", "nope")).unwrap_err();
        assert_eq!(e.status, StatusCode::NOT_FOUND);
        let mut remove = op("/pathPart", "x");
        remove.op = "remove".into();
        let e = patch_resource(&mut a, "d", &remove).unwrap_err();
        assert!(e.message.ends_with("Please choose supported operations"));
        let e = patch_resource(&mut a, "d", &op("/invalid", "x")).unwrap_err();
        assert!(
            e.message
                .ends_with("Must be one of: [/parentId, /pathPart]")
        );
        // Renaming to its own name is no clash.
        patch_resource(&mut a, "d", &op("/pathPart", "d")).unwrap();
    }
}
