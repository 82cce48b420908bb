//! Documentation parts and documentation versions: the working parts (Create, Get, list, Update,
//! Delete, ImportDocumentationParts), versions that snapshot them (Create, Get, list, Update,
//! Delete), the version a stage publishes, and the `x-amazon-apigateway-documentation` extension an
//! export carries and an import reads. Documentation is published by version, not by deployment.

use axum::http::{Method as Verb, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::Ctx;
use super::model::{
    DocumentationLocation, DocumentationPart, DocumentationVersion, RestApi, Stage,
};
use super::ops::{Result, api, api_mut, body, no_content, now_s, ok, page, unsupported, write};
use super::patch;
use super::wire::PatchIn;
use crate::local::common::{Req, RestJsonError, lock, random_id};
// Which types take a method and a status code: the model's rules, which the diff's lines also follow.
use crate::model::definition::{
    DOCUMENTATION_WITH_METHOD as WITH_METHOD, DOCUMENTATION_WITH_STATUS as WITH_STATUS,
};

/// The location types, in the order AWS's validation message lists them.
const TYPES: [&str; 12] = [
    "RESPONSE_BODY",
    "RESPONSE",
    "METHOD",
    "MODEL",
    "AUTHORIZER",
    "RESPONSE_HEADER",
    "RESOURCE",
    "PATH_PARAMETER",
    "REQUEST_BODY",
    "QUERY_PARAMETER",
    "API",
    "REQUEST_HEADER",
];

/// The types that take a `path` (default `/`) and need a `name` (the method and status code ones are
/// the model's).
const WITH_PATH: [&str; 9] = [
    "RESOURCE",
    "METHOD",
    "PATH_PARAMETER",
    "QUERY_PARAMETER",
    "REQUEST_HEADER",
    "REQUEST_BODY",
    "RESPONSE",
    "RESPONSE_HEADER",
    "RESPONSE_BODY",
];
const WITH_NAME: [&str; 6] = [
    "AUTHORIZER",
    "MODEL",
    "PATH_PARAMETER",
    "QUERY_PARAMETER",
    "REQUEST_HEADER",
    "RESPONSE_HEADER",
];

const BAD_IMPORT: &str = "Unable to build importer with provided input.";

fn missing_part() -> RestJsonError {
    RestJsonError::not_found("Invalid Documentation part identifier specified")
}

fn missing_version() -> RestJsonError {
    RestJsonError::not_found("Invalid Documentation version identifier specified")
}

#[derive(Deserialize)]
struct CreatePartIn {
    location: Option<DocumentationLocation>,
    properties: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateVersionIn {
    documentation_version: Option<String>,
    stage_name: Option<String>,
    description: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VersionOut {
    version: String,
    created_date: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
}

fn render_version(v: &DocumentationVersion) -> VersionOut {
    VersionOut {
        version: v.version.clone(),
        created_date: v.created_date,
        description: v.description.clone(),
    }
}

#[derive(Serialize)]
struct ImportOut {
    ids: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
}

/// Checks a location against what its type allows and fills AWS's default path (`/`).
pub fn check_location(
    mut loc: DocumentationLocation,
    input: &str,
) -> Result<DocumentationLocation> {
    if !TYPES.contains(&loc.kind.as_str()) {
        return Err(RestJsonError::new(
            StatusCode::BAD_REQUEST,
            "ValidationException",
            format!(
                "1 validation error detected: Value '{}' at '{input}.location.type' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                loc.kind,
                TYPES.join(", ")
            ),
        ));
    }
    let kind = loc.kind.as_str();
    let invalid = |member: &str| {
        RestJsonError::bad_request(format!(
            "Invalid documentation location: {member} is not valid for type {kind}"
        ))
    };
    if loc.path.is_some() && !WITH_PATH.contains(&kind) {
        return Err(invalid("path"));
    }
    if loc.method.is_some() && !WITH_METHOD.contains(&kind) {
        return Err(invalid("method"));
    }
    if loc.status_code.is_some() && !WITH_STATUS.contains(&kind) {
        return Err(invalid("statusCode"));
    }
    if loc.name.is_some() && !WITH_NAME.contains(&kind) {
        return Err(invalid("name"));
    }
    if WITH_NAME.contains(&kind) && loc.name.as_deref().is_none_or(str::is_empty) {
        return Err(RestJsonError::bad_request(format!(
            "Invalid documentation location: name is required for type {kind}"
        )));
    }
    if WITH_PATH.contains(&kind) && loc.path.is_none() {
        loc.path = Some("/".into());
    }
    if let Some(m) = loc.method.as_mut() {
        m.make_ascii_uppercase();
    }
    Ok(loc)
}

/// Two locations name the same target when they agree once AWS's defaults (`*` for a method or a
/// status code) are filled in.
fn same_target(a: &DocumentationLocation, b: &DocumentationLocation) -> bool {
    let star = |v: &Option<String>| v.clone().unwrap_or_else(|| "*".into());
    a.kind == b.kind
        && a.path == b.path
        && a.name == b.name
        && (!WITH_METHOD.contains(&a.kind.as_str()) || star(&a.method) == star(&b.method))
        && (!WITH_STATUS.contains(&a.kind.as_str()) || star(&a.status_code) == star(&b.status_code))
}

fn check_properties(properties: Option<&str>) -> Result<String> {
    let text = properties.unwrap_or_default();
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(_)) => Ok(text.to_owned()),
        _ => Err(RestJsonError::bad_request(
            "Invalid documentation properties specified: they must be a JSON object",
        )),
    }
}

fn fresh_part_id(api: &RestApi) -> String {
    loop {
        let id = random_id(10);
        if !api.documentation_parts.iter().any(|p| p.id == id) {
            return id;
        }
    }
}

/// `/restapis/{id}/documentation/parts`: list, create, import.
pub(super) fn parts_call(cx: &Ctx<'_>, req: &Req, id: &str) -> Result<Response> {
    match req.method {
        Verb::GET => {
            let state = lock(cx.state);
            let api = api(&state, id)?;
            let kind = req.query_one("type");
            let name = req.query_one("name");
            let path = req.query_one("path");
            let undocumented = req.query_one("locationStatus") == Some("UNDOCUMENTED");
            let items: Vec<DocumentationPart> = api
                .documentation_parts
                .iter()
                .filter(|_| !undocumented)
                .filter(|p| kind.is_none_or(|k| p.location.kind == k))
                .filter(|p| {
                    name.is_none_or(|n| p.location.name.as_deref().unwrap_or("").contains(n))
                })
                .filter(|p| path.is_none_or(|x| p.location.path.as_deref() == Some(x)))
                .cloned()
                .collect();
            Ok(ok(StatusCode::OK, page(items, req)))
        }
        Verb::POST => {
            let input: CreatePartIn = body(req)?;
            let value = write(cx, id, |state| {
                let api = api_mut(state, id)?;
                let location = check_location(
                    input.location.unwrap_or_default(),
                    "createDocumentationPartInput",
                )?;
                let properties = check_properties(input.properties.as_deref())?;
                if api
                    .documentation_parts
                    .iter()
                    .any(|p| same_target(&p.location, &location))
                {
                    return Err(RestJsonError::conflict(
                        "Documentation part already exists for the specified location",
                    ));
                }
                let part = DocumentationPart {
                    id: fresh_part_id(api),
                    location,
                    properties,
                };
                api.documentation_parts.push(part.clone());
                Ok(part)
            })?;
            Ok(ok(StatusCode::CREATED, value))
        }
        Verb::PUT => import_parts(cx, req, id),
        _ => Err(unsupported(req)),
    }
}

/// `/restapis/{id}/documentation/parts/{part}`.
pub(super) fn part_call(cx: &Ctx<'_>, req: &Req, id: &str, pid: &str) -> Result<Response> {
    match req.method {
        // AWS answers an unknown API here as an unknown part.
        Verb::GET => {
            let state = lock(cx.state);
            let part = state
                .apis
                .get(id)
                .and_then(|a| a.documentation_parts.iter().find(|p| p.id == pid))
                .ok_or_else(missing_part)?;
            Ok(ok(StatusCode::OK, part))
        }
        Verb::PATCH => {
            let input: PatchIn = body(req)?;
            patch::check_ops(&input.patch_operations, "updateDocumentationPartInput")?;
            let value = write(cx, "", |state| {
                let part = state
                    .apis
                    .get_mut(id)
                    .and_then(|a| a.documentation_parts.iter_mut().find(|p| p.id == pid))
                    .ok_or_else(missing_part)?;
                let mut properties = part.properties.clone();
                for op in &input.patch_operations {
                    match (op.op.as_str(), op.path.as_str()) {
                        ("replace", "/properties") => {
                            properties = check_properties(op.value.as_deref())?;
                        }
                        ("replace", _) => return Err(patch::bad_op(op, &["/properties"])),
                        _ => return Err(patch::unsupported_op(op)),
                    }
                }
                part.properties = properties;
                Ok(part.clone())
            })?;
            Ok(ok(StatusCode::OK, value))
        }
        Verb::DELETE => {
            write(cx, id, |state| {
                let api = api_mut(state, id)?;
                let before = api.documentation_parts.len();
                api.documentation_parts.retain(|p| p.id != pid);
                if api.documentation_parts.len() == before {
                    return Err(missing_part());
                }
                Ok(())
            })?;
            Ok(no_content(StatusCode::ACCEPTED))
        }
        _ => Err(unsupported(req)),
    }
}

/// The parts an OpenAPI or Swagger document's `x-amazon-apigateway-documentation` defines, each
/// checked; what cannot be read is a warning.
pub fn document_parts(doc: &Value) -> (Vec<(DocumentationLocation, String)>, Vec<String>) {
    let mut parts = Vec::new();
    let mut warnings = Vec::new();
    let list = doc
        .get("x-amazon-apigateway-documentation")
        .and_then(|d| d.get("documentationParts"))
        .and_then(Value::as_array);
    for (i, p) in list.into_iter().flatten().enumerate() {
        let location = p
            .get("location")
            .cloned()
            .and_then(|l| serde_json::from_value::<DocumentationLocation>(l).ok())
            .unwrap_or_default();
        let properties = match p.get("properties") {
            Some(Value::Object(m)) => Value::Object(m.clone()).to_string(),
            Some(Value::String(s)) => s.clone(),
            _ => Value::Object(Map::new()).to_string(),
        };
        match check_location(location, "importDocumentationPartsInput")
            .and_then(|l| check_properties(Some(&properties)).map(|p| (l, p)))
        {
            Ok(part) => parts.push(part),
            Err(e) => warnings.push(format!("Documentation part {}: {}", i + 1, e.message)),
        }
    }
    (parts, warnings)
}

/// Puts parts into the API: `overwrite` replaces every part, otherwise a part for a location
/// already documented replaces its properties (keeping its id) and the others are added. The ids,
/// in the document's order.
pub fn put_parts(
    api: &mut RestApi,
    parts: Vec<(DocumentationLocation, String)>,
    overwrite: bool,
) -> Vec<String> {
    if overwrite {
        api.documentation_parts.clear();
    }
    let mut ids = Vec::new();
    for (location, properties) in parts {
        if let Some(p) = api
            .documentation_parts
            .iter_mut()
            .find(|p| same_target(&p.location, &location))
        {
            p.properties = properties;
            ids.push(p.id.clone());
            continue;
        }
        let id = fresh_part_id(api);
        ids.push(id.clone());
        api.documentation_parts.push(DocumentationPart {
            id,
            location,
            properties,
        });
    }
    ids
}

/// ImportDocumentationParts: `PUT /restapis/{id}/documentation/parts?mode=overwrite|merge`.
fn import_parts(cx: &Ctx<'_>, req: &Req, id: &str) -> Result<Response> {
    let doc: Value = serde_json::from_slice(&req.body)
        .or_else(|_| serde_norway::from_slice(&req.body))
        .map_err(|_| RestJsonError::bad_request(BAD_IMPORT))?;
    if !doc.is_object() {
        return Err(RestJsonError::bad_request(BAD_IMPORT));
    }
    let overwrite = match req
        .query_one("mode")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("merge") => false,
        Some("overwrite") => true,
        Some(other) => {
            return Err(RestJsonError::bad_request(format!(
                "Invalid mode specified: {other}. Valid options are merge,overwrite"
            )));
        }
    };
    let (parts, warnings) = document_parts(&doc);
    let fail = req
        .query_one("failonwarnings")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let out = write(cx, id, |state| {
        let api = api_mut(state, id)?;
        if fail && !warnings.is_empty() {
            return Err(RestJsonError::bad_request(format!(
                "Warnings found during import:\n\t{}",
                warnings.join("\n\t")
            )));
        }
        Ok(ImportOut {
            ids: put_parts(api, parts, overwrite),
            warnings: warnings.clone(),
        })
    })?;
    Ok(ok(StatusCode::OK, out))
}

/// `/restapis/{id}/documentation/versions`: list, create (a snapshot of the parts, published to
/// `stageName` when given).
pub(super) fn versions_call(cx: &Ctx<'_>, req: &Req, id: &str) -> Result<Response> {
    match req.method {
        Verb::GET => {
            let state = lock(cx.state);
            let api = api(&state, id)?;
            let items = api
                .documentation_versions
                .values()
                .map(render_version)
                .collect();
            Ok(ok(StatusCode::OK, page(items, req)))
        }
        Verb::POST => {
            let input: CreateVersionIn = body(req)?;
            let value = write(cx, id, |state| {
                let api = api_mut(state, id)?;
                let version = input
                    .documentation_version
                    .clone()
                    .filter(|v| !v.trim().is_empty())
                    .ok_or_else(|| {
                        RestJsonError::bad_request("Documentation version must be specified")
                    })?;
                if api.documentation_versions.contains_key(&version) {
                    return Err(RestJsonError::conflict(format!(
                        "Documentation version {version} already exists"
                    )));
                }
                if let Some(s) = &input.stage_name
                    && !api.stages.contains_key(s)
                {
                    return Err(RestJsonError::not_found(
                        "Invalid stage identifier specified",
                    ));
                }
                let v = DocumentationVersion {
                    version: version.clone(),
                    created_date: now_s(),
                    description: input.description.clone(),
                    parts: api.documentation_parts.clone(),
                };
                let out = render_version(&v);
                api.documentation_versions.insert(version.clone(), v);
                if let Some(s) = input
                    .stage_name
                    .as_ref()
                    .and_then(|s| api.stages.get_mut(s))
                {
                    s.documentation_version = Some(version);
                    s.last_updated_date = now_s();
                }
                Ok(out)
            })?;
            Ok(ok(StatusCode::CREATED, value))
        }
        _ => Err(unsupported(req)),
    }
}

/// `/restapis/{id}/documentation/versions/{version}`.
pub(super) fn version_call(cx: &Ctx<'_>, req: &Req, id: &str, version: &str) -> Result<Response> {
    match req.method {
        Verb::GET => {
            let state = lock(cx.state);
            let api = api(&state, id)?;
            let v = api
                .documentation_versions
                .get(version)
                .ok_or_else(missing_version)?;
            Ok(ok(StatusCode::OK, render_version(v)))
        }
        Verb::PATCH => {
            let input: PatchIn = body(req)?;
            patch::check_ops(&input.patch_operations, "updateDocumentationVersionInput")?;
            let value = write(cx, id, |state| {
                let api = api_mut(state, id)?;
                let v = api
                    .documentation_versions
                    .get_mut(version)
                    .ok_or_else(missing_version)?;
                let mut description = v.description.clone();
                for op in &input.patch_operations {
                    match (op.op.as_str(), op.path.as_str()) {
                        ("replace", "/description") => description = patch::optional(op),
                        ("replace", _) => return Err(patch::bad_op(op, &["/description"])),
                        _ => return Err(patch::unsupported_op(op)),
                    }
                }
                v.description = description;
                Ok(render_version(v))
            })?;
            Ok(ok(StatusCode::OK, value))
        }
        Verb::DELETE => {
            write(cx, id, |state| {
                let api = api_mut(state, id)?;
                if !api.documentation_versions.contains_key(version) {
                    return Err(missing_version());
                }
                let users: Vec<&str> = api
                    .stages
                    .values()
                    .filter(|s| s.documentation_version.as_deref() == Some(version))
                    .map(|s| s.stage_name.as_str())
                    .collect();
                if !users.is_empty() {
                    return Err(RestJsonError::conflict(format!(
                        "Documentation version {version} is published to stage(s) {}: publish another version there first",
                        users.join(", ")
                    )));
                }
                api.documentation_versions.remove(version);
                Ok(())
            })?;
            Ok(no_content(StatusCode::ACCEPTED))
        }
        _ => Err(unsupported(req)),
    }
}

/// `x-amazon-apigateway-documentation` for a stage's export: the documentation version published
/// to it, with each part's properties as an object. None when the stage publishes none.
pub fn export_extension(api: &RestApi, stage: &Stage) -> Option<Value> {
    let version = api
        .documentation_versions
        .get(stage.documentation_version.as_deref()?)?;
    let parts: Vec<Value> = version
        .parts
        .iter()
        .map(|p| {
            json!({
                "location": p.location,
                "properties": serde_json::from_str::<Value>(&p.properties)
                    .unwrap_or_else(|_| Value::String(p.properties.clone())),
            })
        })
        .collect();
    Some(json!({"version": version.version, "documentationParts": parts}))
}
