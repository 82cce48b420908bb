//! Lambda's wire shapes: a function configuration as the rest-json answers render it.

use serde_json::{Map, Value, json};

use super::model::{FunctionConfig, function_arn};

/// `Pending`/`InProgress` in the answer to a create or update; every later read sees the settled state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    Creating,
    Updating,
    Settled,
}

pub fn render_config(cfg: &FunctionConfig, region: &str) -> Value {
    render(cfg, region, Phase::Settled)
}

pub(super) fn render(cfg: &FunctionConfig, region: &str, phase: Phase) -> Value {
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
