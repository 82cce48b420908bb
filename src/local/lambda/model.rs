//! Lambda's state model: functions with `$LATEST` and published versions, their packages, resource
//! policies and tags; and how a call's function name and qualifier resolve. Serialized into the store.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::local::common::LambdaError;

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
    pub aliases: BTreeMap<String, super::config::Alias>,
    /// Reserved concurrency (PutFunctionConcurrency); 0 stops synchronous invocations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved_concurrency: Option<u32>,
    /// Event invoke configs by qualifier (`$LATEST`, a version, an alias).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub event_invoke_configs: BTreeMap<String, super::settings::EventInvokeConfig>,
    /// Function URL configs by qualifier (`$LATEST` or an alias).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub urls: BTreeMap<String, super::urls::FunctionUrl>,
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
    /// Whether the function was given an `Environment` (even an empty one): AWS returns it then.
    #[serde(default)]
    pub environment_given: bool,
    /// `/tmp`'s size in MB (512 to 10240).
    #[serde(default = "default_ephemeral_storage")]
    pub ephemeral_storage: u32,
    /// `Active` or `PassThrough` (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracing_mode: Option<String>,
    /// `PublishedVersions` or `None` (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snap_start: Option<String>,
    /// As set; absent members take AWS's defaults when rendered (see [`FunctionConfig::logging`]).
    #[serde(default)]
    pub logging: super::wire::LoggingConfig,
    /// For a published version: the RevisionId `$LATEST` had when it was published (an unchanged
    /// `$LATEST` publishes no new version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_from: Option<String>,
    /// The package, loaded from the state directory's `code/<hex>.zip`.
    #[serde(skip)]
    pub zip: Arc<Vec<u8>>,
    /// The create or update Lambda is still applying, if any (in memory only: a restarted stack
    /// finds every function settled).
    #[serde(skip)]
    pub transition: Option<Transition>,
}

/// A create or update still being applied: until `until`, reads show `Pending` (creating) or
/// `LastUpdateStatus: InProgress` (updating) with the transitional RevisionId, further updates are
/// refused with ResourceConflictException, and invocations of an updating function run the
/// configuration it had before (AWS's "Lambda function states").
#[derive(Debug, Clone)]
pub struct Transition {
    pub until: std::time::Instant,
    pub creating: bool,
    /// The RevisionId shown until it settles; the configuration's own is the settled one.
    pub revision_id: String,
    /// What invocations run while an update is applied.
    pub previous: Option<Box<FunctionConfig>>,
}

fn default_ephemeral_storage() -> u32 {
    512
}

impl FunctionConfig {
    /// The transition still under way, if its window has not passed.
    pub fn in_transition(&self) -> Option<&Transition> {
        self.transition
            .as_ref()
            .filter(|t| std::time::Instant::now() < t.until)
    }

    /// Starts a create (`creating`) or update window of `window`, showing `revision_id` meanwhile;
    /// an update keeps `previous` for the invocations made during it. A zero window settles at once.
    pub fn begin_transition(
        &mut self,
        window: std::time::Duration,
        creating: bool,
        previous: Option<FunctionConfig>,
    ) -> String {
        let shown = new_revision();
        self.transition = (!window.is_zero()).then(|| Transition {
            until: std::time::Instant::now() + window,
            creating,
            revision_id: shown.clone(),
            previous: previous.map(|mut p| {
                p.transition = None;
                Box::new(p)
            }),
        });
        shown
    }

    /// Refuses an update (UpdateFunctionCode, UpdateFunctionConfiguration, PublishVersion) while a
    /// create or update is being applied, with Lambda's messages.
    pub fn check_settled(&self, region: &str) -> Result<()> {
        match self.in_transition() {
            None => Ok(()),
            Some(t) if t.creating => Err(LambdaError::conflict(
                "The operation cannot be performed at this time. The function is currently in the following state: Pending",
            )),
            Some(_) => Err(LambdaError::conflict(format!(
                "The operation cannot be performed at this time. An update is in progress for resource: {}",
                function_arn(region, &self.name)
            ))),
        }
    }

    /// The configuration an invocation runs: while an update is applied, the one before it; a
    /// function still being created cannot be invoked (ResourceConflictException, as on AWS).
    pub fn runnable(&self) -> Result<&FunctionConfig> {
        match self.in_transition() {
            None => Ok(self),
            Some(t) if t.creating => Err(LambdaError::conflict(
                "The operation cannot be performed at this time. The function is currently in the following state: Pending",
            )),
            Some(t) => Ok(t.previous.as_deref().unwrap_or(self)),
        }
    }

    /// The logging configuration with AWS's defaults filled in: `Text` into `/aws/lambda/<name>`;
    /// with `JSON`, both log levels (default `INFO`).
    pub fn logging(&self) -> super::wire::LoggingConfig {
        let format = self.logging.log_format.as_deref().unwrap_or("Text");
        let json = format == "JSON";
        let level = |l: &Option<String>| json.then(|| l.clone().unwrap_or_else(|| "INFO".into()));
        super::wire::LoggingConfig {
            log_format: Some(format.to_owned()),
            application_log_level: level(&self.logging.application_log_level),
            system_log_level: level(&self.logging.system_log_level),
            log_group: Some(
                self.logging
                    .log_group
                    .clone()
                    .unwrap_or_else(|| crate::wire::lambda_log_group(&self.name)),
            ),
        }
    }

    /// The SHA-256 in hex, the package's file name in the state directory.
    pub fn code_hex(&self) -> String {
        B64.decode(&self.code_sha256)
            .map(|b| b.iter().map(|x| format!("{x:02x}")).collect())
            .unwrap_or_default()
    }
}

impl LambdaState {
    /// Loads every package a freshly deserialized state refers to.
    pub fn load_code<E>(
        &mut self,
        mut read: impl FnMut(&str) -> Result<Vec<u8>, E>,
    ) -> Result<(), E> {
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
    crate::partition::arn(
        region,
        "lambda",
        crate::local::account_id(),
        &format!("function:{name}"),
    )
}

pub(crate) fn last_modified() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3f+0000")
        .to_string()
}

pub(crate) fn new_revision() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A function named by name, partial ARN or ARN, with an optional `:qualifier`.
pub fn parse_function_name(raw: &str) -> (String, Option<String>) {
    let rest = match raw.find("function:") {
        Some(i) => &raw[i + "function:".len()..],
        None => {
            // Partial forms without `function:`: `[arn:aws:lambda:][region:][account:]name`.
            let mut rest = raw;
            if let Some(r) = rest.strip_prefix("arn:") {
                rest = r.split_once(":lambda:").map_or(rest, |(_, r)| r);
            }
            if let Some((first, r)) = rest.split_once(':')
                && super::names::is_region(first)
            {
                rest = r;
            }
            if let Some((first, r)) = rest.split_once(':')
                && first.len() == 12
                && first.chars().all(|c| c.is_ascii_digit())
            {
                rest = r;
            }
            rest
        }
    };
    match rest.split_once(':') {
        Some((n, q)) => (n.to_owned(), Some(q.to_owned()).filter(|q| q != "$LATEST")),
        None => (rest.to_owned(), None),
    }
}

pub(crate) fn not_found(region: &str, name: &str, qualifier: Option<&str>) -> LambdaError {
    let arn = function_arn(region, name);
    LambdaError::not_found(match qualifier {
        Some(q) => format!("Function not found: {arn}:{q}"),
        None => format!("Function not found: {arn}"),
    })
}

/// The configuration a call addresses: `$LATEST`, a published version, or the version an alias
/// points at.
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
        Some(q) => {
            let version = |v: &str| -> Option<&'a FunctionConfig> {
                match v {
                    "$LATEST" => Some(&f.latest),
                    v => v.parse::<u64>().ok().and_then(|n| f.versions.get(&n)),
                }
            };
            match q.parse::<u64>() {
                Ok(n) => f.versions.get(&n),
                Err(_) => f.aliases.get(q).and_then(|a| version(&a.function_version)),
            }
            .ok_or_else(|| not_found(region, name, qualifier))?
        }
    };
    Ok((f, cfg))
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
        assert_eq!(
            parse_function_name("arn:aws:lambda:us-east-1:000000000000:function"),
            ("function".into(), None)
        );
        assert_eq!(
            parse_function_name("000000000000:f:live"),
            ("f".into(), Some("live".into()))
        );
    }
}
