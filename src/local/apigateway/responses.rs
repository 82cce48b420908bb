//! Method responses and integration responses: Put, Get, Update and Delete under a method
//! (`.../methods/{verb}/responses/{status}`) and under its integration
//! (`.../methods/{verb}/integration/responses/{status}`).

use axum::http::{Method as Verb, StatusCode};
use axum::response::Response;

use super::Ctx;
use super::model::{Given, Integration, IntegrationResponse, Method, MethodResponse, RestApi};
use super::ops::{
    Result, api_mut, body, check_verb, missing_method, no_content, ok, read, resource, unsupported,
    write,
};
use super::patch;
use super::validation::Violations;
use super::wire::{
    PatchIn, PutIntegrationResponseIn, PutMethodResponseIn, render_integration_response,
    render_method_response,
};
use crate::local::common::{Req, RestJsonError};

/// The status code in the path, and for an update its operations, checked as AWS does: every
/// violation reported at once, the operations' first.
fn check_status(status: &str, patch: Option<(&PatchIn, &str)>) -> Result<()> {
    let mut v = Violations::new();
    if let Some((input, name)) = patch {
        v.patch_ops(input.patch_operations.iter().map(|o| o.op.as_str()), name);
    }
    let b = status.as_bytes();
    if !(b.len() == 3 && (b'1'..=b'5').contains(&b[0]) && b[1..].iter().all(u8::is_ascii_digit)) {
        v.push(format!(
            "Value '{status}' at 'statusCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [1-5]\\d\\d"
        ));
    }
    v.check()
}

/// An update's operations, read before anything is checked (AWS reports their violations with the
/// status code's).
fn patch_input(req: &Req) -> Result<Option<PatchIn>> {
    if req.method == Verb::PATCH {
        body(req).map(Some)
    } else {
        Ok(None)
    }
}

fn missing_response() -> RestJsonError {
    RestJsonError::not_found("Invalid Response status code specified")
}

fn missing_integration() -> RestJsonError {
    RestJsonError::not_found("Invalid Integration identifier specified")
}

fn method<'a>(api: &'a RestApi, rid: &str, verb: &str) -> Result<&'a Method> {
    resource(api, rid)?
        .methods
        .get(verb)
        .ok_or_else(missing_method)
}

fn method_mut<'a>(api: &'a mut RestApi, rid: &str, verb: &str) -> Result<&'a mut Method> {
    resource(api, rid)?;
    api.resources
        .get_mut(rid)
        .and_then(|r| r.methods.get_mut(verb))
        .ok_or_else(missing_method)
}

fn check_models<'a>(api: &RestApi, models: impl Iterator<Item = &'a String>) -> Result<()> {
    for model in models {
        if !api.models.contains_key(model) {
            return Err(RestJsonError::bad_request(format!(
                "Invalid model identifier specified: {model}"
            )));
        }
    }
    Ok(())
}

/// Put, Get, Update and Delete of one method response.
pub(super) fn method_response_call(
    cx: &Ctx<'_>,
    req: &Req,
    (id, rid, verb, status): (&str, &str, &str, &str),
) -> Result<Response> {
    check_verb(verb)?;
    let patch_in = patch_input(req)?;
    check_status(
        status,
        patch_in.as_ref().map(|p| (p, "updateMethodResponseInput")),
    )?;
    match req.method {
        Verb::GET => read(cx, id, |api| {
            let r = method(api, rid, verb)?
                .method_responses
                .get(status)
                .ok_or_else(missing_response)?;
            Ok(ok(StatusCode::OK, render_method_response(r)))
        }),
        Verb::PUT => {
            let input: PutMethodResponseIn = body(req)?;
            let value = write(cx, id, |state| {
                let api = api_mut(state, id)?;
                let given = Given {
                    parameters: input.response_parameters.is_some(),
                    bodies: input.response_models.is_some(),
                };
                let r = MethodResponse {
                    status_code: status.to_owned(),
                    response_parameters: input.response_parameters.unwrap_or_default(),
                    response_models: input.response_models.unwrap_or_default(),
                    given,
                };
                check_models(api, r.response_models.values())?;
                let value = render_method_response(&r);
                method_mut(api, rid, verb)?
                    .method_responses
                    .insert(status.to_owned(), r);
                Ok(value)
            })?;
            Ok(ok(StatusCode::CREATED, value))
        }
        Verb::PATCH => {
            let input = patch_in.unwrap_or_default();
            let value = write(cx, id, |state| {
                let api = api_mut(state, id)?;
                let mut r = method(api, rid, verb)?
                    .method_responses
                    .get(status)
                    .ok_or_else(missing_response)?
                    .clone();
                for op in &input.patch_operations {
                    if let Some(name) = patch::key(op, "/responseParameters") {
                        patch::flag_member(&mut r.response_parameters, op, name, || {
                            RestJsonError::not_found("Invalid parameter name specified")
                        })?;
                        // A map patched empty is left out, as AWS answers it.
                        r.given.parameters = false;
                    } else if let Some(content_type) = patch::key(op, "/responseModels") {
                        patch::string_member(&mut r.response_models, op, content_type, || {
                            RestJsonError::not_found("Content-Type specified was not found")
                        })?;
                        r.given.bodies = false;
                    } else {
                        return Err(patch::bad_path(op));
                    }
                }
                check_models(api, r.response_models.values())?;
                let value = render_method_response(&r);
                method_mut(api, rid, verb)?
                    .method_responses
                    .insert(status.to_owned(), r);
                Ok(value)
            })?;
            // AWS answers UpdateMethodResponse with 201 (its recorded answers), not 200.
            Ok(ok(StatusCode::CREATED, value))
        }
        Verb::DELETE => {
            write(cx, id, |state| {
                let api = api_mut(state, id)?;
                method_mut(api, rid, verb)?
                    .method_responses
                    .remove(status)
                    .map(|_| ())
                    .ok_or_else(missing_response)
            })?;
            Ok(no_content(StatusCode::NO_CONTENT))
        }
        _ => Err(unsupported(req)),
    }
}

fn integration_mut<'a>(api: &'a mut RestApi, rid: &str, verb: &str) -> Result<&'a mut Integration> {
    method_mut(api, rid, verb)?
        .integration
        .as_mut()
        .ok_or_else(missing_integration)
}

fn check_content_handling(c: Option<&str>) -> Result<()> {
    match c {
        None | Some("CONVERT_TO_BINARY" | "CONVERT_TO_TEXT") => Ok(()),
        Some(other) => Err(RestJsonError::bad_request(format!(
            "Invalid content handling specified: {other}"
        ))),
    }
}

/// Put, Get, Update and Delete of one integration response.
pub(super) fn integration_response_call(
    cx: &Ctx<'_>,
    req: &Req,
    (id, rid, verb, status): (&str, &str, &str, &str),
) -> Result<Response> {
    // A verb that is not one is a method that does not exist, as AWS's recorded answers show.
    let patch_in = patch_input(req)?;
    check_status(
        status,
        patch_in
            .as_ref()
            .map(|p| (p, "updateIntegrationResponseInput")),
    )?;
    match req.method {
        Verb::GET => read(cx, id, |api| {
            let r = method(api, rid, verb)?
                .integration
                .as_ref()
                .ok_or_else(missing_integration)?
                .integration_responses
                .get(status)
                .ok_or_else(missing_response)?;
            Ok(ok(StatusCode::OK, render_integration_response(r)))
        }),
        Verb::PUT => {
            let input: PutIntegrationResponseIn = body(req)?;
            check_content_handling(input.content_handling.as_deref())?;
            // A template's key is a media type (`type/subtype`), as AWS's recorded refusal shows.
            let templates = input.response_templates.iter().flat_map(|t| t.keys());
            for ct in templates {
                let media_type = ct
                    .split_once('/')
                    .is_some_and(|(t, sub)| !t.trim().is_empty() && !sub.trim().is_empty());
                if !media_type {
                    return Err(RestJsonError::bad_request(format!(
                        "Validation Result: warnings : [], errors : [Invalid content type specified: {ct}]"
                    )));
                }
            }
            let value = write(cx, id, |state| {
                let api = api_mut(state, id)?;
                let given = Given {
                    parameters: input.response_parameters.is_some(),
                    bodies: input.response_templates.is_some(),
                };
                let templates = input.response_templates.unwrap_or_default();
                let r = IntegrationResponse {
                    status_code: status.to_owned(),
                    selection_pattern: input.selection_pattern,
                    response_parameters: input.response_parameters.unwrap_or_default(),
                    null_templates: templates
                        .iter()
                        .filter(|(_, t)| t.is_none())
                        .map(|(ct, _)| ct.clone())
                        .collect(),
                    response_templates: templates
                        .into_iter()
                        .map(|(ct, t)| (ct, t.unwrap_or_default()))
                        .collect(),
                    content_handling: input.content_handling,
                    given,
                };
                let value = render_integration_response(&r);
                integration_mut(api, rid, verb)?
                    .integration_responses
                    .insert(status.to_owned(), r);
                Ok(value)
            })?;
            Ok(ok(StatusCode::CREATED, value))
        }
        Verb::PATCH => {
            let input = patch_in.unwrap_or_default();
            let value = write(cx, id, |state| {
                let api = api_mut(state, id)?;
                let i = integration_mut(api, rid, verb)?;
                let mut r = i
                    .integration_responses
                    .get(status)
                    .ok_or_else(missing_response)?
                    .clone();
                for op in &input.patch_operations {
                    if let Some(name) = patch::key(op, "/responseParameters") {
                        patch::string_member(&mut r.response_parameters, op, name, || {
                            RestJsonError::not_found("Invalid parameter name specified")
                        })?;
                        // A map patched empty is left out, as AWS answers it.
                        r.given.parameters = false;
                    } else if let Some(content_type) = patch::key(op, "/responseTemplates") {
                        r.null_templates.remove(&content_type);
                        patch::string_member(&mut r.response_templates, op, content_type, || {
                            RestJsonError::not_found("Content-Type specified was not found")
                        })?;
                        r.given.bodies = false;
                    } else {
                        match (op.op.as_str(), op.path.as_str()) {
                            ("replace", "/selectionPattern") => {
                                r.selection_pattern = patch::optional(op);
                            }
                            ("replace", "/contentHandling") => {
                                let c = patch::optional(op);
                                check_content_handling(c.as_deref())?;
                                r.content_handling = c;
                            }
                            _ => return Err(patch::bad_path(op)),
                        }
                    }
                }
                let value = render_integration_response(&r);
                i.integration_responses.insert(status.to_owned(), r);
                Ok(value)
            })?;
            Ok(ok(StatusCode::OK, value))
        }
        Verb::DELETE => {
            write(cx, id, |state| {
                let api = api_mut(state, id)?;
                // AWS names the integration when the method is not there either.
                integration_mut(api, rid, verb)
                    .map_err(|e| {
                        if e.message == missing_method().message {
                            missing_integration()
                        } else {
                            e
                        }
                    })?
                    .integration_responses
                    .remove(status)
                    .map(|_| ())
                    .ok_or_else(missing_response)
            })?;
            Ok(no_content(StatusCode::NO_CONTENT))
        }
        _ => Err(unsupported(req)),
    }
}
