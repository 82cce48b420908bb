//! Lambda's wire shapes (rest-json), serde-derived: the requests its operations read, and a function
//! configuration and the envelopes around it as the answers render them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::model::{FunctionConfig, function_arn};

/// `Pending`/`InProgress` in the answer to a create or update and in reads within its window
/// (`FunctionConfig::in_transition`); every later read sees the settled state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    Creating,
    Updating,
    Settled,
    /// An entry of ListFunctions or ListVersionsByFunction: AWS lists neither State nor
    /// LastUpdateStatus nor RuntimeVersionConfig there.
    Listed,
}

/// A function configuration (GetFunctionConfiguration, CreateFunction, UpdateFunctionCode, ...).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionConfiguration {
    pub function_name: String,
    pub function_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    pub role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handler: Option<String>,
    pub code_size: u64,
    pub description: String,
    pub timeout: u32,
    pub memory_size: u32,
    pub last_modified: String,
    pub code_sha256: String,
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<Environment>,
    pub tracing_config: TracingConfig,
    pub revision_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_reason_code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_update_status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_update_status_reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_update_status_reason_code: Option<&'static str>,
    pub package_type: &'static str,
    pub architectures: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime_version_config: Option<RuntimeVersionConfig>,
    pub ephemeral_storage: EphemeralStorage,
    pub snap_start: SnapStart,
    pub logging_config: LoggingConfig,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Environment {
    pub variables: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TracingConfig {
    pub mode: String,
}

/// The runtime version a function runs on: `arn:aws:lambda:{region}::runtime:<64 hex>`, one per
/// runtime identifier.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RuntimeVersionConfig {
    pub runtime_version_arn: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EphemeralStorage {
    pub size: u32,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SnapStart {
    pub apply_on: String,
    pub optimization_status: &'static str,
}

/// Where and how the function's logs are written: `Text` or `JSON`; the log levels apply to JSON
/// only (AWS returns them only then).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_log_level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_log_level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group: Option<String>,
}

/// GetFunction.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetFunctionOut {
    pub configuration: FunctionConfiguration,
    pub code: CodeLocation,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CodeLocation {
    pub repository_type: &'static str,
    pub location: String,
}

/// ListFunctions.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListFunctionsOut {
    pub functions: Vec<FunctionConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

/// ListVersionsByFunction.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListVersionsOut {
    pub versions: Vec<FunctionConfiguration>,
}

/// AddPermission: the statement added, as a JSON string.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AddPermissionOut {
    pub statement: String,
}

/// GetPolicy: the policy document, as a JSON string.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetPolicyOut {
    pub policy: String,
    pub revision_id: String,
}

/// ListTags.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagsOut {
    pub tags: BTreeMap<String, String>,
}

/// The error document Lambda returns for an invocation that timed out or whose runtime exited.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvocationError {
    pub error_message: String,
    pub error_type: &'static str,
}

// Requests.

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct EnvironmentIn {
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
}

/// `EphemeralStorage`, `TracingConfig` and `SnapStart` as CreateFunction and
/// UpdateFunctionConfiguration take them.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EphemeralStorageIn {
    pub size: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TracingConfigIn {
    pub mode: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SnapStartIn {
    pub apply_on: Option<String>,
}

/// The settings CreateFunction and UpdateFunctionConfiguration share beyond the basic ones.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct ExtraSettingsIn {
    pub ephemeral_storage: Option<EphemeralStorageIn>,
    pub tracing_config: Option<TracingConfigIn>,
    pub snap_start: Option<SnapStartIn>,
    pub logging_config: Option<LoggingConfig>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CodeIn {
    pub zip_file: Option<String>,
    pub s3_bucket: Option<String>,
    pub image_uri: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateFunctionIn {
    pub function_name: Option<String>,
    pub runtime: Option<String>,
    pub role: Option<String>,
    pub handler: Option<String>,
    pub code: Option<CodeIn>,
    pub description: Option<String>,
    pub timeout: Option<u32>,
    pub memory_size: Option<u32>,
    #[serde(default)]
    pub publish: bool,
    pub environment: Option<EnvironmentIn>,
    pub architectures: Option<Vec<String>>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(flatten)]
    pub extra: ExtraSettingsIn,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateCodeIn {
    pub zip_file: Option<String>,
    pub s3_bucket: Option<String>,
    pub image_uri: Option<String>,
    #[serde(default)]
    pub publish: bool,
    #[serde(default)]
    pub dry_run: bool,
    pub revision_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateConfigIn {
    pub role: Option<String>,
    pub handler: Option<String>,
    pub description: Option<String>,
    pub timeout: Option<u32>,
    pub memory_size: Option<u32>,
    pub environment: Option<EnvironmentIn>,
    pub runtime: Option<String>,
    pub revision_id: Option<String>,
    #[serde(flatten)]
    pub extra: ExtraSettingsIn,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AddPermissionIn {
    pub statement_id: Option<String>,
    pub action: Option<String>,
    pub principal: Option<String>,
    pub source_arn: Option<String>,
    pub source_account: Option<String>,
    pub principal_org_i_d: Option<String>,
    pub function_url_auth_type: Option<String>,
    pub event_source_token: Option<String>,
    pub invoked_via_function_url: Option<bool>,
    pub revision_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagsIn {
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublishVersionIn {
    pub description: Option<String>,
    pub code_sha256: Option<String>,
    pub revision_id: Option<String>,
}

/// The configuration with its ARN qualified as the call named it (`$LATEST`, a version or an
/// alias), as Lambda answers a qualified read and lists versions.
pub fn qualified(
    mut c: FunctionConfiguration,
    region: &str,
    qualifier: &str,
) -> FunctionConfiguration {
    c.function_arn = format!("{}:{qualifier}", function_arn(region, &c.function_name));
    c
}

pub fn render_config(cfg: &FunctionConfig, region: &str) -> FunctionConfiguration {
    render(cfg, region, Phase::Settled)
}

pub(super) fn render(cfg: &FunctionConfig, region: &str, phase: Phase) -> FunctionConfiguration {
    let arn = function_arn(region, &cfg.name);
    // Within a create or update window a read shows the transitional state and RevisionId.
    let transition = cfg.in_transition();
    let phase = match (phase, transition) {
        (Phase::Settled, Some(t)) if t.creating => Phase::Creating,
        (Phase::Settled, Some(_)) => Phase::Updating,
        (phase, _) => phase,
    };
    let revision_id = transition.map_or_else(|| cfg.revision_id.clone(), |t| t.revision_id.clone());
    // As AWS records them: a create answers Pending without any LastUpdateStatus; an update answers
    // InProgress with the reason "being created"; lists carry neither.
    let (state, state_reason, state_reason_code) = match phase {
        Phase::Creating => (
            Some("Pending"),
            Some("The function is being created."),
            Some("Creating"),
        ),
        Phase::Updating | Phase::Settled => (Some("Active"), None, None),
        Phase::Listed => (None, None, None),
    };
    let (last_update_status, last_update_status_reason, last_update_status_reason_code) =
        match phase {
            Phase::Updating => (
                Some("InProgress"),
                Some("The function is being created."),
                Some("Creating"),
            ),
            Phase::Settled => (Some("Successful"), None, None),
            Phase::Creating | Phase::Listed => (None, None, None),
        };
    FunctionConfiguration {
        function_name: cfg.name.clone(),
        function_arn: if cfg.version == "$LATEST" {
            arn
        } else {
            format!("{arn}:{}", cfg.version)
        },
        runtime: cfg.runtime.clone(),
        role: cfg.role.clone(),
        handler: cfg.handler.clone(),
        code_size: cfg.code_size,
        description: cfg.description.clone(),
        timeout: cfg.timeout,
        memory_size: cfg.memory_size,
        last_modified: cfg.last_modified.clone(),
        code_sha256: cfg.code_sha256.clone(),
        version: cfg.version.clone(),
        environment: (cfg.environment_given || !cfg.environment.is_empty()).then(|| Environment {
            variables: cfg.environment.clone(),
        }),
        tracing_config: TracingConfig {
            mode: cfg
                .tracing_mode
                .clone()
                .unwrap_or_else(|| "PassThrough".into()),
        },
        revision_id,
        state,
        state_reason,
        state_reason_code,
        last_update_status,
        last_update_status_reason,
        last_update_status_reason_code,
        package_type: "Zip",
        architectures: cfg.architectures.clone(),
        runtime_version_config: cfg
            .runtime
            .as_deref()
            .filter(|_| phase != Phase::Listed)
            .map(|r| RuntimeVersionConfig {
                runtime_version_arn: runtime_version_arn(region, r),
            }),
        ephemeral_storage: EphemeralStorage {
            size: cfg.ephemeral_storage,
        },
        snap_start: SnapStart {
            apply_on: cfg.snap_start.clone().unwrap_or_else(|| "None".into()),
            optimization_status: if cfg.snap_start.as_deref() == Some("PublishedVersions")
                && cfg.version != "$LATEST"
            {
                "On"
            } else {
                "Off"
            },
        },
        logging_config: cfg.logging(),
    }
}

/// `arn:aws:lambda:{region}::runtime:<64 hex>`: AWS names each runtime version by a 64-digit hex
/// digest; lambdeck derives it from the runtime identifier, so one runtime has one version.
pub fn runtime_version_arn(region: &str, runtime: &str) -> String {
    use sha2::Digest;
    let hex: String = sha2::Sha256::digest(runtime.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    crate::partition::arn(region, "lambda", "", &format!("runtime:{hex}"))
}

/// GetFunctionCodeSigningConfig's answer: no code signing config.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CodeSigningConfig {
    pub function_name: String,
    pub code_signing_config_arn: String,
}

/// GetFunctionRecursionConfig's answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RecursionConfig {
    pub recursive_loop: &'static str,
}

/// GetRuntimeManagementConfig's answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RuntimeManagementConfig {
    pub update_runtime_on: &'static str,
    pub function_arn: String,
}

/// CreateAlias and UpdateAlias's request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AliasIn {
    pub name: Option<String>,
    pub function_version: Option<String>,
    pub description: Option<String>,
    /// `{"AdditionalVersionWeights": {"2": 0.2}}`: stored and returned, not applied.
    pub routing_config: Option<serde_json::Value>,
    /// UpdateAlias: update only if the alias's RevisionId is this one.
    pub revision_id: Option<String>,
}

/// An alias as Lambda answers it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AliasConfiguration {
    pub alias_arn: String,
    pub name: String,
    pub function_version: String,
    pub description: String,
    pub revision_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_config: Option<serde_json::Value>,
}

/// ListAliases's answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Aliases {
    pub aliases: Vec<AliasConfiguration>,
}
