//! Lambda control plane (rest-json, `/2015-03-31`): functions, code updates with the State and
//! LastUpdateStatus the SDK waiters expect, versions, resource policies, tags, and Invoke.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::{HeaderValue, Method as Verb, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::code::{self, CodeError};
use super::error::LambdaError;
use super::exec::{FunctionCode, Invocation, Outcome};
use super::state::{ACCOUNT_ID, StoreError, lock};
use super::{Req, Services};

type Result<T, E = LambdaError> = std::result::Result<T, E>;

/// Every function.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LambdaState {
    pub functions: BTreeMap<String, Function>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Function {
    /// `$LATEST`.
    pub latest: FunctionConfig,
    /// Published versions, by number.
    #[serde(default)]
    pub versions: BTreeMap<u64, FunctionConfig>,
    #[serde(default)]
    pub policy: Vec<Value>,
    #[serde(default)]
    pub policy_revision: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub aliases: BTreeMap<String, super::lambda_config::Alias>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FunctionConfig {
    pub name: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handler: Option<String>,
    #[serde(default)]
    pub description: String,
    pub timeout: u32,
    pub memory_size: u32,
    pub last_modified: String,
    /// base64 SHA-256 of the zip (CodeSha256).
    pub code_sha256: String,
    pub code_size: u64,
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    pub revision_id: String,
    pub architectures: Vec<String>,
    /// The package, loaded from the state directory's `code/<hex>.zip`.
    #[serde(skip)]
    pub zip: Arc<Vec<u8>>,
}

impl FunctionConfig {
    /// The SHA-256 in hex, the package's file name in the state directory.
    pub fn code_hex(&self) -> String {
        B64.decode(&self.code_sha256)
            .map(|b| b.iter().map(|x| format!("{x:02x}")).collect())
            .unwrap_or_default()
    }
}

impl LambdaState {
    /// Loads every package a freshly deserialized state refers to.
    pub fn load_code(
        &mut self,
        mut read: impl FnMut(&str) -> Result<Vec<u8>, StoreError>,
    ) -> Result<(), StoreError> {
        let mut cache: BTreeMap<String, Arc<Vec<u8>>> = BTreeMap::new();
        for f in self.functions.values_mut() {
            for cfg in std::iter::once(&mut f.latest).chain(f.versions.values_mut()) {
                let hex = cfg.code_hex();
                let zip = match cache.get(&hex) {
                    Some(z) => z.clone(),
                    None => {
                        let z = Arc::new(read(&hex)?);
                        cache.insert(hex, z.clone());
                        z
                    }
                };
                cfg.zip = zip;
            }
        }
        Ok(())
    }
}

pub fn function_arn(region: &str, name: &str) -> String {
    format!("arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{name}")
}

fn last_modified() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3f+0000")
        .to_string()
}

fn new_revision() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A function named by name, partial ARN or ARN, with an optional `:qualifier`.
pub fn parse_function_name(raw: &str) -> (String, Option<String>) {
    let rest = match raw.find("function:") {
        Some(i) => &raw[i + "function:".len()..],
        None => raw,
    };
    match rest.split_once(':') {
        Some((n, q)) => (n.to_owned(), Some(q.to_owned()).filter(|q| q != "$LATEST")),
        None => (rest.to_owned(), None),
    }
}

fn not_found(region: &str, name: &str, qualifier: Option<&str>) -> LambdaError {
    let arn = function_arn(region, name);
    LambdaError::not_found(match qualifier {
        Some(q) => format!("Function not found: {arn}:{q}"),
        None => format!("Function not found: {arn}"),
    })
}

/// The configuration a call addresses: `$LATEST` or a published version.
pub fn resolve<'a>(
    state: &'a LambdaState,
    region: &str,
    name: &str,
    qualifier: Option<&str>,
) -> Result<(&'a Function, &'a FunctionConfig)> {
    let f = state
        .functions
        .get(name)
        .ok_or_else(|| not_found(region, name, qualifier))?;
    let cfg = match qualifier {
        None | Some("$LATEST") => &f.latest,
        Some(q) => q
            .parse::<u64>()
            .ok()
            .and_then(|n| f.versions.get(&n))
            .ok_or_else(|| not_found(region, name, qualifier))?,
    };
    Ok((f, cfg))
}

/// What the execution engine needs to run a configuration.
pub fn function_code(cfg: &FunctionConfig, region: &str) -> FunctionCode {
    let arn = function_arn(region, &cfg.name);
    FunctionCode {
        name: cfg.name.clone(),
        arn: if cfg.version == "$LATEST" {
            arn
        } else {
            format!("{arn}:{}", cfg.version)
        },
        revision: cfg.revision_id.clone(),
        zip: cfg.zip.clone(),
        handler: cfg.handler.clone().unwrap_or_default(),
        memory_mb: cfg.memory_size,
        timeout_secs: cfg.timeout,
        environment: cfg.environment.clone(),
        region: region.to_owned(),
    }
}

/// `Pending`/`InProgress` in the answer to a create or update; every later read sees the settled state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Creating,
    Updating,
    Settled,
}

pub fn render_config(cfg: &FunctionConfig, region: &str) -> Value {
    render(cfg, region, Phase::Settled)
}

fn render(cfg: &FunctionConfig, region: &str, phase: Phase) -> Value {
    let arn = function_arn(region, &cfg.name);
    let mut m = Map::new();
    m.insert("FunctionName".into(), json!(cfg.name));
    m.insert(
        "FunctionArn".into(),
        json!(if cfg.version == "$LATEST" {
            arn
        } else {
            format!("{arn}:{}", cfg.version)
        }),
    );
    if let Some(r) = &cfg.runtime {
        m.insert("Runtime".into(), json!(r));
    }
    m.insert("Role".into(), json!(cfg.role));
    if let Some(h) = &cfg.handler {
        m.insert("Handler".into(), json!(h));
    }
    m.insert("CodeSize".into(), json!(cfg.code_size));
    m.insert("Description".into(), json!(cfg.description));
    m.insert("Timeout".into(), json!(cfg.timeout));
    m.insert("MemorySize".into(), json!(cfg.memory_size));
    m.insert("LastModified".into(), json!(cfg.last_modified));
    m.insert("CodeSha256".into(), json!(cfg.code_sha256));
    m.insert("Version".into(), json!(cfg.version));
    if !cfg.environment.is_empty() {
        m.insert(
            "Environment".into(),
            json!({ "Variables": cfg.environment }),
        );
    }
    m.insert("TracingConfig".into(), json!({"Mode": "PassThrough"}));
    m.insert("RevisionId".into(), json!(cfg.revision_id));
    match phase {
        Phase::Creating => {
            m.insert("State".into(), json!("Pending"));
            m.insert(
                "StateReason".into(),
                json!("The function is being created."),
            );
            m.insert("StateReasonCode".into(), json!("Creating"));
            m.insert("LastUpdateStatus".into(), json!("InProgress"));
            m.insert(
                "LastUpdateStatusReason".into(),
                json!("The function is being created."),
            );
            m.insert("LastUpdateStatusReasonCode".into(), json!("Creating"));
        }
        Phase::Updating => {
            m.insert("State".into(), json!("Active"));
            m.insert("LastUpdateStatus".into(), json!("InProgress"));
            m.insert(
                "LastUpdateStatusReason".into(),
                json!("The function is being updated."),
            );
            m.insert("LastUpdateStatusReasonCode".into(), json!("InProgress"));
        }
        Phase::Settled => {
            m.insert("State".into(), json!("Active"));
            m.insert("LastUpdateStatus".into(), json!("Successful"));
        }
    }
    m.insert("PackageType".into(), json!("Zip"));
    m.insert("Architectures".into(), json!(cfg.architectures));
    m.insert("EphemeralStorage".into(), json!({"Size": 512}));
    m.insert(
        "SnapStart".into(),
        json!({"ApplyOn": "None", "OptimizationStatus": "Off"}),
    );
    m.insert(
        "LoggingConfig".into(),
        json!({"LogFormat": "Text", "LogGroup": format!("/aws/lambda/{}", cfg.name)}),
    );
    Value::Object(m)
}

fn ok(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn empty(status: StatusCode) -> Response {
    status.into_response()
}

fn body<T: serde::de::DeserializeOwned>(req: &Req) -> Result<T> {
    req.json().map_err(LambdaError::invalid)
}

fn save(svc: &Services) -> Result<()> {
    svc.store
        .save_control()
        .map_err(|e| LambdaError::service(e.to_string()))
}

/// Serves one Lambda request.
pub async fn handle(svc: &Services, req: &Req) -> Response {
    match route(svc, req).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn route(svc: &Services, req: &Req) -> Result<Response> {
    let seg: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let r = match (seg.as_slice(), &req.method) {
        (["2015-03-31", "functions"], &Verb::POST) => create_function(svc, req)?,
        (["2015-03-31", "functions"], &Verb::GET) => list_functions(svc, req),
        (["2015-03-31", "functions", name], &Verb::GET) => get_function(svc, req, name, true)?,
        (["2015-03-31", "functions", name, "configuration"], &Verb::GET) => {
            get_function(svc, req, name, false)?
        }
        (["2015-03-31", "functions", name], &Verb::DELETE) => delete_function(svc, req, name)?,
        (["2015-03-31", "functions", name, "code"], &Verb::PUT) => update_code(svc, req, name)?,
        (["2015-03-31", "functions", name, "configuration"], &Verb::PUT) => {
            update_configuration(svc, req, name)?
        }
        (["2015-03-31", "functions", name, "versions"], &Verb::POST) => {
            publish_version(svc, req, name)?
        }
        (["2015-03-31", "functions", name, "versions"], &Verb::GET) => list_versions(svc, name)?,
        (["2015-03-31", "functions", name, "policy"], &Verb::POST) => {
            add_permission(svc, req, name)?
        }
        (["2015-03-31", "functions", name, "policy"], &Verb::GET) => get_policy(svc, name)?,
        (["2015-03-31", "functions", name, "policy", sid], &Verb::DELETE) => {
            remove_permission(svc, name, sid)?
        }
        (["2015-03-31", "functions", name, "invocations"], &Verb::POST) => {
            invoke(svc, req, name).await?
        }
        (["2017-03-31", "tags", arn], _) => tags(svc, req, arn)?,
        _ if let Some(r) = super::lambda_config::route(svc, req) => r?,
        _ => {
            return Err(LambdaError::new(
                StatusCode::NOT_FOUND,
                "UnknownOperationException",
                format!(
                    "lambdeck's local Lambda does not support {} {}",
                    req.method, req.raw_path
                ),
            ));
        }
    };
    Ok(r)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CodeIn {
    zip_file: Option<String>,
    s3_bucket: Option<String>,
    image_uri: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct EnvironmentIn {
    #[serde(default)]
    variables: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateFunctionIn {
    function_name: Option<String>,
    runtime: Option<String>,
    role: Option<String>,
    handler: Option<String>,
    code: Option<CodeIn>,
    description: Option<String>,
    timeout: Option<u32>,
    memory_size: Option<u32>,
    #[serde(default)]
    publish: bool,
    environment: Option<EnvironmentIn>,
    architectures: Option<Vec<String>>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

/// A checked package: its bytes and what Lambda reports about it.
struct Package {
    zip: Arc<Vec<u8>>,
    info: code::CodeInfo,
}

fn package(svc: &Services, code: Option<&CodeIn>) -> Result<Package> {
    let code =
        code.ok_or_else(|| LambdaError::invalid("Please provide a source for function code."))?;
    let Some(zip_b64) = &code.zip_file else {
        let what = if code.s3_bucket.is_some() {
            "S3 code locations"
        } else if code.image_uri.is_some() {
            "container images"
        } else {
            return Err(LambdaError::invalid(
                "Please provide a source for function code.",
            ));
        };
        return Err(LambdaError::invalid(format!(
            "lambdeck's local stack does not support {what}; upload the zip as ZipFile"
        )));
    };
    let zip = B64.decode(zip_b64).map_err(|_| {
        LambdaError::invalid(
            "Could not unzip uploaded file. Please check your file, then try to upload again.",
        )
    })?;
    let info = code::inspect(&zip).map_err(|e| match e {
        CodeError::Invalid(m) => LambdaError::invalid(m),
        CodeError::TooLarge(m) => LambdaError::too_large(m),
    })?;
    let pkg = Package {
        zip: Arc::new(zip),
        info,
    };
    let hex: String = B64
        .decode(&pkg.info.sha256)
        .map(|b| b.iter().map(|x| format!("{x:02x}")).collect())
        .unwrap_or_default();
    svc.store
        .save_code(&hex, &pkg.zip)
        .map_err(|e| LambdaError::service(e.to_string()))?;
    Ok(pkg)
}

fn check_limits(timeout: u32, memory: u32) -> Result<()> {
    if !(1..=900).contains(&timeout) {
        return Err(LambdaError::invalid(format!(
            "1 validation error detected: Value '{timeout}' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900"
        )));
    }
    if !(128..=10240).contains(&memory) {
        return Err(LambdaError::invalid(format!(
            "1 validation error detected: Value '{memory}' at 'memorySize' failed to satisfy constraint: Member must have value between 128 and 10240"
        )));
    }
    Ok(())
}

fn check_name(name: &str) -> Result<()> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(())
    } else {
        Err(LambdaError::invalid(format!(
            "1 validation error detected: Value '{name}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+"
        )))
    }
}

fn create_function(svc: &Services, req: &Req) -> Result<Response> {
    let input: CreateFunctionIn = body(req)?;
    let name = input.function_name.clone().unwrap_or_default();
    check_name(&name)?;
    let role = input
        .role
        .clone()
        .filter(|r| !r.is_empty())
        .ok_or_else(|| {
            LambdaError::invalid("The role defined for the function cannot be assumed by Lambda.")
        })?;
    let timeout = input.timeout.unwrap_or(3);
    let memory = input.memory_size.unwrap_or(128);
    check_limits(timeout, memory)?;
    if lock(&svc.store.lambda).functions.contains_key(&name) {
        return Err(LambdaError::conflict(format!(
            "Function already exist: {name}"
        )));
    }
    let pkg = package(svc, input.code.as_ref())?;
    let cfg = FunctionConfig {
        name: name.clone(),
        version: "$LATEST".into(),
        runtime: input.runtime,
        role,
        handler: input.handler,
        description: input.description.unwrap_or_default(),
        timeout,
        memory_size: memory,
        last_modified: last_modified(),
        code_sha256: pkg.info.sha256,
        code_size: pkg.info.size,
        environment: input.environment.unwrap_or_default().variables,
        revision_id: new_revision(),
        architectures: input
            .architectures
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| vec!["x86_64".into()]),
        zip: pkg.zip,
    };
    let value = {
        let mut state = lock(&svc.store.lambda);
        if state.functions.contains_key(&name) {
            return Err(LambdaError::conflict(format!(
                "Function already exist: {name}"
            )));
        }
        let mut f = Function {
            latest: cfg,
            versions: BTreeMap::new(),
            policy: Vec::new(),
            policy_revision: new_revision(),
            tags: input.tags,
            aliases: BTreeMap::new(),
        };
        let shown = if input.publish {
            let mut v = f.latest.clone();
            v.version = "1".into();
            f.versions.insert(1, v.clone());
            v
        } else {
            f.latest.clone()
        };
        state.functions.insert(name, f);
        render(&shown, &svc.region, Phase::Creating)
    };
    save(svc)?;
    Ok(ok(StatusCode::CREATED, value))
}

fn qualifier<'a>(req: &'a Req, from_name: Option<&'a str>) -> Option<&'a str> {
    req.query_one("Qualifier")
        .or(from_name)
        .filter(|q| *q != "$LATEST")
}

fn get_function(svc: &Services, req: &Req, raw: &str, full: bool) -> Result<Response> {
    let (name, q) = parse_function_name(raw);
    let state = lock(&svc.store.lambda);
    let (f, cfg) = resolve(&state, &svc.region, &name, qualifier(req, q.as_deref()))?;
    let config = render_config(cfg, &svc.region);
    if !full {
        return Ok(ok(StatusCode::OK, config));
    }
    let host = req.header("host").unwrap_or("127.0.0.1");
    let mut out = json!({
        "Configuration": config,
        "Code": {
            "RepositoryType": "S3",
            "Location": format!("http://{host}/_lambdeck/code/{}.zip", cfg.code_hex()),
        },
    });
    if !f.tags.is_empty() {
        out["Tags"] = json!(f.tags);
    }
    Ok(ok(StatusCode::OK, out))
}

fn list_functions(svc: &Services, req: &Req) -> Response {
    let limit = req
        .query_one("MaxItems")
        .and_then(|m| m.parse::<usize>().ok())
        .unwrap_or(50)
        .clamp(1, 50);
    let marker = req.query_one("Marker");
    let state = lock(&svc.store.lambda);
    let mut items = state
        .functions
        .iter()
        .filter(|(n, _)| marker.is_none_or(|m| n.as_str() > m));
    let page: Vec<(&String, &Function)> = items.by_ref().take(limit).collect();
    let more = items.next().is_some();
    let mut out = json!({
        "Functions": page.iter().map(|(_, f)| render_config(&f.latest, &svc.region)).collect::<Vec<_>>()
    });
    if more && let Some((n, _)) = page.last() {
        out["NextMarker"] = json!(n);
    }
    ok(StatusCode::OK, out)
}

fn delete_function(svc: &Services, req: &Req, raw: &str) -> Result<Response> {
    let (name, q) = parse_function_name(raw);
    {
        let mut state = lock(&svc.store.lambda);
        let q = qualifier(req, q.as_deref());
        resolve(&state, &svc.region, &name, q)?;
        match q.and_then(|q| q.parse::<u64>().ok()) {
            Some(n) => {
                if let Some(f) = state.functions.get_mut(&name) {
                    f.versions.remove(&n);
                }
            }
            None => {
                state.functions.remove(&name);
            }
        }
    }
    save(svc)?;
    Ok(empty(StatusCode::NO_CONTENT))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateCodeIn {
    zip_file: Option<String>,
    s3_bucket: Option<String>,
    image_uri: Option<String>,
    #[serde(default)]
    publish: bool,
    #[serde(default)]
    dry_run: bool,
    revision_id: Option<String>,
}

fn check_revision(f: &Function, expected: Option<&str>) -> Result<()> {
    match expected {
        Some(r) if r != f.latest.revision_id => Err(LambdaError::new(
            StatusCode::PRECONDITION_FAILED,
            "PreconditionFailedException",
            "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
        )),
        _ => Ok(()),
    }
}

fn update_code(svc: &Services, req: &Req, raw: &str) -> Result<Response> {
    let input: UpdateCodeIn = body(req)?;
    let (name, _) = parse_function_name(raw);
    {
        let state = lock(&svc.store.lambda);
        let (f, _) = resolve(&state, &svc.region, &name, None)?;
        check_revision(f, input.revision_id.as_deref())?;
    }
    let code = CodeIn {
        zip_file: input.zip_file,
        s3_bucket: input.s3_bucket,
        image_uri: input.image_uri,
    };
    let pkg = package(svc, Some(&code))?;
    let value = {
        let mut state = lock(&svc.store.lambda);
        let f = state
            .functions
            .get_mut(&name)
            .ok_or_else(|| not_found(&svc.region, &name, None))?;
        let mut cfg = f.latest.clone();
        cfg.code_sha256 = pkg.info.sha256;
        cfg.code_size = pkg.info.size;
        cfg.zip = pkg.zip;
        cfg.last_modified = last_modified();
        cfg.revision_id = new_revision();
        if input.dry_run {
            return Ok(ok(
                StatusCode::OK,
                render(&cfg, &svc.region, Phase::Settled),
            ));
        }
        f.latest = cfg;
        let shown = if input.publish {
            publish(f)
        } else {
            f.latest.clone()
        };
        render(&shown, &svc.region, Phase::Updating)
    };
    save(svc)?;
    Ok(ok(StatusCode::OK, value))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateConfigIn {
    role: Option<String>,
    handler: Option<String>,
    description: Option<String>,
    timeout: Option<u32>,
    memory_size: Option<u32>,
    environment: Option<EnvironmentIn>,
    runtime: Option<String>,
    revision_id: Option<String>,
}

fn update_configuration(svc: &Services, req: &Req, raw: &str) -> Result<Response> {
    let input: UpdateConfigIn = body(req)?;
    let (name, _) = parse_function_name(raw);
    let value = {
        let mut state = lock(&svc.store.lambda);
        let (f, _) = resolve(&state, &svc.region, &name, None)?;
        check_revision(f, input.revision_id.as_deref())?;
        let mut cfg = f.latest.clone();
        if let Some(r) = input.role {
            cfg.role = r;
        }
        if let Some(h) = input.handler {
            cfg.handler = Some(h);
        }
        if let Some(d) = input.description {
            cfg.description = d;
        }
        if let Some(r) = input.runtime {
            cfg.runtime = Some(r);
        }
        cfg.timeout = input.timeout.unwrap_or(cfg.timeout);
        cfg.memory_size = input.memory_size.unwrap_or(cfg.memory_size);
        check_limits(cfg.timeout, cfg.memory_size)?;
        if let Some(e) = input.environment {
            cfg.environment = e.variables;
        }
        cfg.last_modified = last_modified();
        cfg.revision_id = new_revision();
        let value = render(&cfg, &svc.region, Phase::Updating);
        if let Some(f) = state.functions.get_mut(&name) {
            f.latest = cfg;
        }
        value
    };
    save(svc)?;
    Ok(ok(StatusCode::OK, value))
}

/// Publishes `$LATEST` as a new version, unless the newest version already has the same code and
/// configuration (Lambda then returns that version).
fn publish(f: &mut Function) -> FunctionConfig {
    if let Some((_, last)) = f.versions.iter().next_back()
        && last.code_sha256 == f.latest.code_sha256
        && last.timeout == f.latest.timeout
        && last.memory_size == f.latest.memory_size
        && last.environment == f.latest.environment
        && last.handler == f.latest.handler
        && last.description == f.latest.description
    {
        return last.clone();
    }
    let n = f.versions.keys().next_back().map_or(1, |n| n + 1);
    let mut v = f.latest.clone();
    v.version = n.to_string();
    v.revision_id = new_revision();
    f.versions.insert(n, v.clone());
    v
}

fn publish_version(svc: &Services, req: &Req, raw: &str) -> Result<Response> {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        description: Option<String>,
        code_sha256: Option<String>,
        revision_id: Option<String>,
    }
    let input: In = body(req)?;
    let (name, _) = parse_function_name(raw);
    let value = {
        let mut state = lock(&svc.store.lambda);
        let (f, _) = resolve(&state, &svc.region, &name, None)?;
        check_revision(f, input.revision_id.as_deref())?;
        if let Some(sha) = &input.code_sha256
            && *sha != f.latest.code_sha256
        {
            return Err(LambdaError::invalid(format!(
                "CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST ({}). Please try again with the CodeSHA256 in $LATEST.",
                f.latest.code_sha256
            )));
        }
        let f = state
            .functions
            .get_mut(&name)
            .ok_or_else(|| not_found(&svc.region, &name, None))?;
        let mut v = publish(f);
        if let Some(d) = input.description {
            v.description = d;
            if let Ok(n) = v.version.parse::<u64>() {
                f.versions.insert(n, v.clone());
            }
        }
        render_config(&v, &svc.region)
    };
    save(svc)?;
    Ok(ok(StatusCode::CREATED, value))
}

fn list_versions(svc: &Services, raw: &str) -> Result<Response> {
    let (name, _) = parse_function_name(raw);
    let state = lock(&svc.store.lambda);
    let (f, _) = resolve(&state, &svc.region, &name, None)?;
    let versions: Vec<Value> = std::iter::once(&f.latest)
        .chain(f.versions.values())
        .map(|c| render_config(c, &svc.region))
        .collect();
    Ok(ok(StatusCode::OK, json!({ "Versions": versions })))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AddPermissionIn {
    statement_id: Option<String>,
    action: Option<String>,
    principal: Option<String>,
    source_arn: Option<String>,
    source_account: Option<String>,
    principal_org_i_d: Option<String>,
    revision_id: Option<String>,
}

fn add_permission(svc: &Services, req: &Req, raw: &str) -> Result<Response> {
    let input: AddPermissionIn = body(req)?;
    let (name, q) = parse_function_name(raw);
    let sid = input.statement_id.unwrap_or_default();
    let action = input.action.unwrap_or_default();
    let principal = input.principal.unwrap_or_default();
    if sid.is_empty() || action.is_empty() || principal.is_empty() {
        return Err(LambdaError::invalid(
            "StatementId, Action and Principal are required",
        ));
    }
    let statement = {
        let mut state = lock(&svc.store.lambda);
        let q = qualifier(req, q.as_deref()).map(str::to_owned);
        let (f, _) = resolve(&state, &svc.region, &name, q.as_deref())?;
        check_revision(f, input.revision_id.as_deref())?;
        if f.policy.iter().any(|s| s["Sid"] == json!(sid)) {
            return Err(LambdaError::conflict(format!(
                "The statement id ({sid}) provided already exists. Please provide a new statement id, or remove the existing statement."
            )));
        }
        let principal_value = if principal == "*" {
            json!("*")
        } else if principal.contains('.') {
            json!({ "Service": principal })
        } else if principal.chars().all(|c| c.is_ascii_digit()) {
            json!({ "AWS": format!("arn:aws:iam::{principal}:root") })
        } else {
            json!({ "AWS": principal })
        };
        let mut resource = function_arn(&svc.region, &name);
        if let Some(q) = &q {
            resource = format!("{resource}:{q}");
        }
        let mut condition = Map::new();
        if let Some(arn) = &input.source_arn {
            condition.insert("ArnLike".into(), json!({ "AWS:SourceArn": arn }));
        }
        let mut equals = Map::new();
        if let Some(acct) = &input.source_account {
            equals.insert("AWS:SourceAccount".into(), json!(acct));
        }
        if let Some(org) = &input.principal_org_i_d {
            equals.insert("aws:PrincipalOrgID".into(), json!(org));
        }
        if !equals.is_empty() {
            condition.insert("StringEquals".into(), Value::Object(equals));
        }
        let mut statement = json!({
            "Sid": sid,
            "Effect": "Allow",
            "Principal": principal_value,
            "Action": action,
            "Resource": resource,
        });
        if !condition.is_empty() {
            statement["Condition"] = Value::Object(condition);
        }
        if let Some(f) = state.functions.get_mut(&name) {
            f.policy.push(statement.clone());
            f.policy_revision = new_revision();
        }
        statement
    };
    save(svc)?;
    Ok(ok(
        StatusCode::CREATED,
        json!({ "Statement": statement.to_string() }),
    ))
}

fn get_policy(svc: &Services, raw: &str) -> Result<Response> {
    let (name, _) = parse_function_name(raw);
    let state = lock(&svc.store.lambda);
    let (f, _) = resolve(&state, &svc.region, &name, None)?;
    if f.policy.is_empty() {
        return Err(LambdaError::not_found(
            "The resource you requested does not exist.",
        ));
    }
    let policy = json!({"Version": "2012-10-17", "Id": "default", "Statement": f.policy});
    Ok(ok(
        StatusCode::OK,
        json!({ "Policy": policy.to_string(), "RevisionId": f.policy_revision }),
    ))
}

fn remove_permission(svc: &Services, raw: &str, sid: &str) -> Result<Response> {
    let (name, _) = parse_function_name(raw);
    {
        let mut state = lock(&svc.store.lambda);
        resolve(&state, &svc.region, &name, None)?;
        let arn = function_arn(&svc.region, &name);
        let f = state
            .functions
            .get_mut(&name)
            .ok_or_else(|| not_found(&svc.region, &name, None))?;
        if f.policy.is_empty() {
            return Err(LambdaError::not_found(format!(
                "No policy is found for: {arn}"
            )));
        }
        let before = f.policy.len();
        f.policy.retain(|s| s["Sid"] != json!(sid));
        if f.policy.len() == before {
            return Err(LambdaError::not_found(format!(
                "Statement {sid} is not found in resource policy."
            )));
        }
        f.policy_revision = new_revision();
    }
    save(svc)?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// Glob matching as IAM's ArnLike does it: `*` any run of characters, `?` one character.
pub fn arn_like(pattern: &str, value: &str) -> bool {
    let (p, v): (Vec<char>, Vec<char>) = (pattern.chars().collect(), value.chars().collect());
    let (mut pi, mut vi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == v[vi]) {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, vi));
            pi += 1;
        } else if let Some((sp, sv)) = star {
            pi = sp + 1;
            vi = sv + 1;
            star = Some((sp, sv + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
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
            .all(|a| *a == ACCOUNT_ID);
        allow && action && principal && arn_ok && account_ok
    })
}

/// The payload Lambda returns for a failed invocation, and whether it is an error at all.
pub fn outcome_payload(inv: &Invocation, timeout_secs: u32) -> (Bytes, bool) {
    match &inv.outcome {
        Outcome::Response(b) => (b.clone(), false),
        Outcome::FunctionError(b) => (b.clone(), true),
        Outcome::Timeout => (
            Bytes::from(
                json!({
                    "errorType": "Sandbox.Timedout",
                    "errorMessage": format!(
                        "RequestId: {} Error: Task timed out after {timeout_secs}.00 seconds",
                        inv.request_id
                    ),
                })
                .to_string(),
            ),
            true,
        ),
        Outcome::Crashed(reason) => (
            Bytes::from(
                json!({
                    "errorType": "Runtime.ExitError",
                    "errorMessage": format!("RequestId: {} Error: {reason}", inv.request_id),
                })
                .to_string(),
            ),
            true,
        ),
    }
}

async fn invoke(svc: &Services, req: &Req, raw: &str) -> Result<Response> {
    let (name, q) = parse_function_name(raw);
    let (function, executed_version) = {
        let state = lock(&svc.store.lambda);
        let (_, cfg) = resolve(&state, &svc.region, &name, qualifier(req, q.as_deref()))?;
        (function_code(cfg, &svc.region), cfg.version.clone())
    };
    let payload = if req.body.is_empty() {
        Bytes::from_static(b"{}")
    } else {
        req.body.clone()
    };
    if serde_json::from_slice::<serde::de::IgnoredAny>(&payload).is_err() {
        return Err(LambdaError::new(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContentException",
            "Could not parse request body into json: Unexpected character",
        ));
    }
    let version_header = HeaderValue::from_str(&executed_version)
        .unwrap_or_else(|_| HeaderValue::from_static("$LATEST"));
    match req
        .header("x-amz-invocation-type")
        .unwrap_or("RequestResponse")
    {
        "DryRun" => {
            let mut r = empty(StatusCode::NO_CONTENT);
            r.headers_mut()
                .insert("X-Amz-Executed-Version", version_header);
            return Ok(r);
        }
        "Event" => {
            let executor = svc.executor.clone();
            tokio::spawn(async move {
                executor.invoke(&function, payload).await;
            });
            let mut r = empty(StatusCode::ACCEPTED);
            r.headers_mut()
                .insert("X-Amz-Executed-Version", version_header);
            return Ok(r);
        }
        "RequestResponse" => {}
        other => {
            return Err(LambdaError::invalid(format!(
                "1 validation error detected: Value '{other}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"
            )));
        }
    }
    let inv = svc.executor.invoke(&function, payload).await;
    let (payload, is_error) = outcome_payload(&inv, function.timeout_secs);
    let mut r = (StatusCode::OK, payload).into_response();
    let h = r.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert("X-Amz-Executed-Version", version_header);
    if let Ok(v) = HeaderValue::from_str(&inv.request_id) {
        h.insert(super::REQUEST_ID_HEADER, v);
    }
    if is_error {
        h.insert(
            "X-Amz-Function-Error",
            HeaderValue::from_static("Unhandled"),
        );
    }
    if req.header("x-amz-log-type") == Some("Tail") {
        let tail = inv.log_tail.as_bytes();
        let tail = &tail[tail.len().saturating_sub(4096)..];
        if let Ok(v) = HeaderValue::from_str(&B64.encode(tail)) {
            h.insert("X-Amz-Log-Result", v);
        }
    }
    Ok(r)
}

/// Serves a package by its SHA-256 (hex): where GetFunction's `Code.Location` points.
pub fn download(svc: &Services, req: &Req) -> Response {
    let wanted = req
        .segments
        .last()
        .and_then(|s| s.strip_suffix(".zip"))
        .unwrap_or("");
    let zip = {
        let state = lock(&svc.store.lambda);
        state
            .functions
            .values()
            .flat_map(|f| std::iter::once(&f.latest).chain(f.versions.values()))
            .find(|c| c.code_hex() == wanted)
            .map(|c| c.zip.clone())
    };
    match zip {
        Some(zip) => {
            let mut r = (StatusCode::OK, zip.as_ref().clone()).into_response();
            r.headers_mut().insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/zip"),
            );
            r
        }
        None => {
            LambdaError::not_found("The resource you requested does not exist.").into_response()
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TagsIn {
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

fn tags(svc: &Services, req: &Req, arn: &str) -> Result<Response> {
    let (name, _) = parse_function_name(arn);
    match req.method {
        Verb::GET => {
            let state = lock(&svc.store.lambda);
            let (f, _) = resolve(&state, &svc.region, &name, None)?;
            Ok(ok(StatusCode::OK, json!({ "Tags": f.tags })))
        }
        Verb::POST => {
            let input: TagsIn = body(req)?;
            {
                let mut state = lock(&svc.store.lambda);
                resolve(&state, &svc.region, &name, None)?;
                if let Some(f) = state.functions.get_mut(&name) {
                    f.tags.extend(input.tags);
                }
            }
            save(svc)?;
            Ok(empty(StatusCode::NO_CONTENT))
        }
        Verb::DELETE => {
            {
                let mut state = lock(&svc.store.lambda);
                resolve(&state, &svc.region, &name, None)?;
                if let Some(f) = state.functions.get_mut(&name) {
                    for k in req.query_all("tagKeys") {
                        f.tags.remove(k);
                    }
                }
            }
            save(svc)?;
            Ok(empty(StatusCode::NO_CONTENT))
        }
        _ => Err(LambdaError::invalid("unsupported tags operation")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_arns_and_qualifiers() {
        assert_eq!(parse_function_name("f"), ("f".into(), None));
        assert_eq!(parse_function_name("f:3"), ("f".into(), Some("3".into())));
        assert_eq!(
            parse_function_name("arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST"),
            ("f".into(), None)
        );
        assert_eq!(
            parse_function_name("000000000000:function:f:2"),
            ("f".into(), Some("2".into()))
        );
    }

    #[test]
    fn arn_like_globs() {
        assert!(arn_like(
            "arn:aws:execute-api:us-east-1:0:abc/*/*",
            "arn:aws:execute-api:us-east-1:0:abc/tf-test/GET/hello_world"
        ));
        assert!(arn_like(
            "arn:*:abc/*/GET/hello_world",
            "arn:x:abc/s/GET/hello_world"
        ));
        assert!(!arn_like(
            "arn:aws:execute-api:us-east-1:0:abc/*/POST/*",
            "arn:aws:execute-api:us-east-1:0:abc/s/GET/x"
        ));
        assert!(arn_like("a?c", "abc"));
        assert!(!arn_like("a?c", "ac"));
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
}
