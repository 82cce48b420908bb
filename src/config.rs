//! lambdeck.toml -> `StackSpec`: the typed description of the one stack lambdeck manages.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::terraform::{Hints, Resolved, TerraformState};

/// The whole stack, as lambdeck.toml describes it. Defaults mirror the tutorial, with the Rust function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StackSpec {
    /// Region to use when neither --region nor the environment or profile gives one.
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub function: FunctionSpec,
    #[serde(default)]
    pub api: ApiSpec,
    /// How `watch` builds.
    #[serde(default)]
    pub watch: WatchSpec,
    /// What the pinger sends.
    #[serde(default)]
    pub ping: PingSpec,
    /// The Terraform folder that provisions the stack, relative to lambdeck.toml (default: `*.tf`
    /// files beside lambdeck.toml, or in a `terraform/` folder next to it).
    #[serde(default)]
    pub terraform: Option<PathBuf>,
    /// Saved requests, `[requests.<name>]`, replayed with `lambdeck request <name>` or from the
    /// dashboard's composer.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub requests: BTreeMap<String, SavedRequest>,
    /// The directory lambdeck.toml lives in; crate paths are relative to it.
    #[serde(skip)]
    pub root: PathBuf,
    /// The keys lambdeck.toml sets itself ("function.name", "api.routes", ...): those win over
    /// what Terraform's state says.
    #[serde(skip)]
    pub explicit: BTreeSet<String>,
    /// Terraform's state, when the project has a Terraform folder whose state could be read.
    #[serde(skip)]
    pub terraform_state: Option<TerraformState>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FunctionSpec {
    pub name: String,
    /// Path of the function's crate, relative to lambdeck.toml.
    #[serde(rename = "crate")]
    pub crate_path: PathBuf,
    pub runtime: String,
    pub handler: String,
    pub architecture: Architecture,
    /// Memory in MB (128 to 10240).
    pub memory: MemorySize,
    /// Timeout in seconds (1 to 900).
    pub timeout: Timeout,
    /// Name of the execution role (created by `up` on AWS).
    pub role: String,
    /// Publish a version after each upload (`upload`, the dashboard's `b`), as `upload --publish`.
    pub publish: bool,
}

impl Default for FunctionSpec {
    fn default() -> Self {
        Self {
            name: "tf-test-rust-hello-world".into(),
            crate_path: PathBuf::from("function"),
            runtime: "provided.al2023".into(),
            handler: "bootstrap".into(),
            architecture: Architecture::X86_64,
            memory: MemorySize(128),
            timeout: Timeout(3),
            publish: false,
            role: "tf-test-lambda-role".into(),
        }
    }
}

impl FunctionSpec {
    /// The log group Lambda writes to.
    pub fn log_group(&self) -> String {
        crate::wire::lambda_log_group(&self.name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Architecture {
    #[serde(rename = "x86_64")]
    X86_64,
    #[serde(rename = "arm64")]
    Arm64,
}

impl Architecture {
    /// The name Lambda and cargo-lambda use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::X86_64 => "x86_64",
            Self::Arm64 => "arm64",
        }
    }

    /// The Rust target triple for provided.al2023.
    pub fn target_triple(self) -> &'static str {
        match self {
            Self::X86_64 => "x86_64-unknown-linux-gnu",
            Self::Arm64 => "aarch64-unknown-linux-gnu",
        }
    }
}

impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Lambda memory in MB, within Lambda's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct MemorySize(pub u32);

impl TryFrom<i64> for MemorySize {
    type Error = String;
    fn try_from(mb: i64) -> Result<Self, String> {
        match u32::try_from(mb) {
            Ok(mb) if (128..=10240).contains(&mb) => Ok(Self(mb)),
            _ => Err(format!("memory must be between 128 and 10240 MB, got {mb}")),
        }
    }
}

impl From<MemorySize> for i64 {
    fn from(m: MemorySize) -> i64 {
        i64::from(m.0)
    }
}

/// Lambda timeout in seconds, within Lambda's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Timeout(pub u32);

impl TryFrom<i64> for Timeout {
    type Error = String;
    fn try_from(secs: i64) -> Result<Self, String> {
        match u32::try_from(secs) {
            Ok(secs) if (1..=900).contains(&secs) => Ok(Self(secs)),
            _ => Err(format!(
                "timeout must be between 1 and 900 seconds, got {secs}"
            )),
        }
    }
}

impl From<Timeout> for i64 {
    fn from(t: Timeout) -> i64 {
        i64::from(t.0)
    }
}

/// `[watch]`: how the watch loop builds the function.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WatchSpec {
    /// The cargo profile; by default `dev` on the local stack (fast to build) and `lambda` on AWS.
    pub profile: Option<String>,
}

/// `[ping]`: what the pinger sends.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PingSpec {
    /// The API key sent as `x-api-key` to routes that require one; `LAMBDECK_API_KEY` in the
    /// environment wins. Never written back out.
    #[serde(skip_serializing)]
    pub api_key: Option<String>,
}

/// The environment variable that gives the pinger its API key, over `[ping] api_key`.
pub const API_KEY_ENV: &str = "LAMBDECK_API_KEY";

impl PingSpec {
    /// The key the pinger sends: `LAMBDECK_API_KEY` when set and not empty, else lambdeck.toml's.
    pub fn api_key(&self) -> Option<String> {
        std::env::var(API_KEY_ENV)
            .ok()
            .filter(|k| !k.is_empty())
            .or_else(|| self.api_key.clone().filter(|k| !k.is_empty()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApiSpec {
    pub name: String,
    /// The REST API's id, when several share the name: picks that one (`api.id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub description: String,
    pub stage: StageName,
    pub routes: Vec<RouteSpec>,
}

impl Default for ApiSpec {
    fn default() -> Self {
        Self {
            name: "tf-test-to-lambda-rust-api".into(),
            id: None,
            description: "REST API for lambda rust test".into(),
            stage: StageName("tf-test".into()),
            routes: vec![RouteSpec::default()],
        }
    }
}

/// `[requests.<name>]`: a request to the stage, kept to be sent again by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedRequest {
    /// GET when left out.
    #[serde(default = "get")]
    pub method: String,
    /// As called, parameters filled in: `/pets/7`.
    pub path: String,
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub body: Option<String>,
    /// Read when the request is sent, relative to lambdeck.toml.
    #[serde(default)]
    pub body_file: Option<PathBuf>,
}

fn get() -> String {
    "GET".into()
}

/// A stage name as API Gateway accepts it: letters, digits, hyphens and underscores, up to 128.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StageName(pub String);

impl TryFrom<String> for StageName {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        let ok = !name.is_empty()
            && name.len() <= 128
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if ok {
            Ok(Self(name))
        } else {
            Err(format!(
                "stage name {name:?} must be 1 to 128 letters, digits, '-' or '_'"
            ))
        }
    }
}

impl From<StageName> for String {
    fn from(s: StageName) -> String {
        s.0
    }
}

impl fmt::Display for StageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One route of the REST API: a resource path, a method and its Lambda proxy integration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RouteSpec {
    pub path: RoutePath,
    pub method: HttpMethod,
    /// NONE, AWS_IAM, CUSTOM or COGNITO_USER_POOLS.
    pub authorization: String,
    pub api_key_required: bool,
    /// Only AWS_PROXY (the Lambda proxy integration) is managed by lambdeck.
    pub integration: String,
    /// Let the pinger call this route although its method may change data (POST, PUT, PATCH,
    /// DELETE): by default it calls only GET, HEAD and OPTIONS routes.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub ping: bool,
}

impl Default for RouteSpec {
    fn default() -> Self {
        Self {
            path: RoutePath("/hello_world".into()),
            method: HttpMethod("GET".into()),
            authorization: "NONE".into(),
            api_key_required: false,
            integration: "AWS_PROXY".into(),
            ping: false,
        }
    }
}

/// A resource path: starts with '/', no empty or trailing segments.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RoutePath(pub String);

impl RoutePath {
    /// The path parts below the root, e.g. ["hello_world"].
    pub fn parts(&self) -> impl Iterator<Item = &str> {
        self.0.split('/').filter(|p| !p.is_empty())
    }
}

impl TryFrom<String> for RoutePath {
    type Error = String;
    fn try_from(path: String) -> Result<Self, String> {
        let valid_part = |p: &str| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.:{}+".contains(c))
        };
        if path == "/" || (path.starts_with('/') && path[1..].split('/').all(valid_part)) {
            Ok(Self(path))
        } else {
            Err(format!(
                "route path {path:?} must start with '/' and have no empty segments"
            ))
        }
    }
}

impl From<RoutePath> for String {
    fn from(p: RoutePath) -> String {
        p.0
    }
}

impl fmt::Display for RoutePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An HTTP method API Gateway accepts on a resource, upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HttpMethod(pub String);

impl TryFrom<String> for HttpMethod {
    type Error = String;
    fn try_from(method: String) -> Result<Self, String> {
        let upper = method.to_ascii_uppercase();
        const METHODS: [&str; 8] = [
            "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY",
        ];
        if METHODS.contains(&upper.as_str()) {
            Ok(Self(upper))
        } else {
            Err(format!(
                "method {method:?} must be one of {}",
                METHODS.join(", ")
            ))
        }
    }
}

impl From<HttpMethod> for String {
    fn from(m: HttpMethod) -> String {
        m.0
    }
}

impl fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A lambdeck.toml that cannot be used, explained in one line: file, line, column, key and reason
/// (`file: reason` when the file could not be read, no key when the error is not about one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub key: String,
    pub reason: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if !self.key.is_empty() && self.key != "-" {
            write!(f, ": {}", self.key)?;
        }
        write!(f, ": {}", self.reason)
    }
}

impl std::error::Error for ConfigError {}

impl StackSpec {
    /// Reads and validates the stack description. A missing file is an error: lambdeck needs to know
    /// which stack it manages.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.display().to_string(),
            line: 0,
            column: 0,
            key: "-".into(),
            reason: format!("cannot read the file: {e}"),
        })?;
        let mut spec = Self::parse(&text, &path.display().to_string())?;
        spec.root = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        Ok(spec)
    }

    /// Parses the text of a lambdeck.toml; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Self, ConfigError> {
        let deserializer = toml::Deserializer::parse(text).map_err(|e| {
            let (line, column) = line_col(text, e.span().map_or(0, |s| s.start));
            ConfigError {
                file: file.into(),
                line,
                column,
                key: "-".into(),
                reason: first_line(e.message()),
            }
        })?;
        let mut spec: Self = serde_path_to_error::deserialize(deserializer).map_err(|e| {
            let key = e.path().to_string();
            let inner = e.into_inner();
            let (line, column) = line_col(text, inner.span().map_or(0, |s| s.start));
            ConfigError {
                file: file.into(),
                line,
                column,
                key: if key == "." { "-".into() } else { key },
                reason: first_line(inner.message()),
            }
        })?;
        spec.check_routes(text, file)?;
        spec.check_requests(text, file)?;
        spec.explicit = explicit_keys(text);
        Ok(spec)
    }

    /// The Terraform folder: the one lambdeck.toml names (relative to it), else one found beside it.
    pub fn terraform_dir(&self) -> Option<PathBuf> {
        match &self.terraform {
            Some(dir) if self.root == Path::new(".") => Some(dir.clone()),
            Some(dir) => Some(self.root.join(dir)),
            None => crate::terraform::find_dir(&self.root),
        }
    }

    /// True when lambdeck.toml sets `key` ("function.name") itself.
    pub fn sets(&self, key: &str) -> bool {
        self.explicit.contains(key)
    }

    /// The names lambdeck.toml gives, as hints for choosing among Terraform's resources.
    pub fn terraform_hints(&self) -> Hints<'_> {
        Hints {
            function: self
                .sets("function.name")
                .then_some(self.function.name.as_str()),
            api: self.sets("api.name").then_some(self.api.name.as_str()),
            stage: self.sets("api.stage").then_some(self.api.stage.0.as_str()),
        }
    }

    /// Takes from Terraform's state every name and setting lambdeck.toml leaves out.
    pub fn adopt(&mut self, tf: &Resolved) {
        if let Some(f) = &tf.function {
            let explicit = self.explicit.clone();
            let take = |key: &str| !explicit.contains(key);
            if take("function.name") {
                self.function.name.clone_from(&f.name);
            }
            if let Some(role) = f.role.as_ref().filter(|_| take("function.role")) {
                self.function.role.clone_from(role);
            }
            if let Some(r) = f.runtime.as_ref().filter(|_| take("function.runtime")) {
                self.function.runtime.clone_from(r);
            }
            if let Some(h) = f.handler.as_ref().filter(|_| take("function.handler")) {
                self.function.handler.clone_from(h);
            }
            if take("function.architecture") {
                match f.architecture.as_deref() {
                    Some("arm64") => self.function.architecture = Architecture::Arm64,
                    Some("x86_64") => self.function.architecture = Architecture::X86_64,
                    _ => {}
                }
            }
            if let Some(m) = f.memory_mb.filter(|_| take("function.memory"))
                && let Ok(m) = MemorySize::try_from(m)
            {
                self.function.memory = m;
            }
            if let Some(t) = f.timeout_s.filter(|_| take("function.timeout"))
                && let Ok(t) = Timeout::try_from(t)
            {
                self.function.timeout = t;
            }
        }
        if let Some((_, name)) = &tf.api {
            if !self.sets("api.name") {
                self.api.name.clone_from(name);
            }
            if !self.sets("api.routes") {
                self.api.routes = tf
                    .routes
                    .iter()
                    .filter_map(|r| {
                        Some(RouteSpec {
                            path: RoutePath::try_from(r.path.clone()).ok()?,
                            method: HttpMethod::try_from(r.method.clone()).ok()?,
                            authorization: r.authorization.clone(),
                            api_key_required: r.api_key_required,
                            ..RouteSpec::default()
                        })
                    })
                    .collect();
            }
        }
        if let Some(stage) = tf.stage.as_ref().filter(|_| !self.sets("api.stage"))
            && let Ok(stage) = StageName::try_from(stage.clone())
        {
            self.api.stage = stage;
        }
    }

    fn check_routes(&self, text: &str, file: &str) -> Result<(), ConfigError> {
        let mut seen = std::collections::BTreeSet::new();
        for (i, route) in self.api.routes.iter().enumerate() {
            let duplicate = !seen.insert((route.path.clone(), route.method.clone()));
            let unsupported = route.integration != "AWS_PROXY";
            let reason = if duplicate {
                format!("route {} {} is listed twice", route.method, route.path)
            } else if unsupported {
                format!(
                    "integration {:?} is not supported; lambdeck manages AWS_PROXY (Lambda proxy) routes",
                    route.integration
                )
            } else {
                continue;
            };
            // Point at the offending route's table in the file.
            let offset = text
                .match_indices("[[api.routes]]")
                .nth(i)
                .map_or(0, |(o, _)| o);
            let (line, column) = line_col(text, offset);
            return Err(ConfigError {
                file: file.into(),
                line,
                column,
                key: format!("api.routes[{i}]"),
                reason,
            });
        }
        Ok(())
    }
}

/// The dotted keys a lambdeck.toml sets (tables and their keys, one level down: "function.name").
fn explicit_keys(text: &str) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let Ok(table) = text.parse::<toml::Table>() else {
        return keys;
    };
    for (k, v) in &table {
        keys.insert(k.clone());
        if let Some(inner) = v.as_table() {
            for k2 in inner.keys() {
                keys.insert(format!("{k}.{k2}"));
            }
        }
    }
    keys
}

impl StackSpec {
    fn check_requests(&self, text: &str, file: &str) -> Result<(), ConfigError> {
        for (name, r) in &self.requests {
            let (field, reason) = if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                (
                    "",
                    format!("request name {name:?} must be letters, digits, '-' or '_'"),
                )
            } else if r.method.is_empty() || !r.method.chars().all(|c| c.is_ascii_alphabetic()) {
                ("method", format!("{:?} is not an HTTP method", r.method))
            } else if !r.path.starts_with('/') || r.path.contains(['?', '#', ' ']) {
                (
                    "path",
                    format!(
                        "path {:?} must start with '/' and hold no '?', '#' or space (the query goes in `query`)",
                        r.path
                    ),
                )
            } else if r.body.is_some() && r.body_file.is_some() {
                ("body_file", "give body or body_file, not both".to_owned())
            } else if let Some(h) = r
                .headers
                .keys()
                .find(|h| h.is_empty() || !h.bytes().all(|b| b.is_ascii_graphic() && b != b':'))
            {
                ("headers", format!("bad header name {h:?}"))
            } else {
                continue;
            };
            let offset = text
                .find(&format!("[requests.{name}]"))
                .or_else(|| text.find("[requests"))
                .unwrap_or(0);
            let (line, column) = line_col(text, offset);
            let key = if field.is_empty() {
                format!("requests.{name}")
            } else {
                format!("requests.{name}.{field}")
            };
            return Err(ConfigError {
                file: file.into(),
                line,
                column,
                key,
                reason,
            });
        }
        Ok(())
    }
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().trim().to_owned()
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map_or(before.len(), |nl| before.len() - nl - 1)
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_config_parses_and_matches_the_defaults() {
        let text = include_str!("../lambdeck.toml");
        let spec = StackSpec::parse(text, "lambdeck.toml").expect("valid");
        let defaults = StackSpec::parse("", "empty.toml").expect("valid");
        assert_eq!(spec.function, defaults.function);
        assert_eq!(spec.api, defaults.api);
        assert_eq!(spec.api.routes[0].path.0, "/hello_world");
        assert_eq!(
            spec.function.log_group(),
            "/aws/lambda/tf-test-rust-hello-world"
        );
    }

    #[test]
    fn unknown_key_names_file_line_column_and_key() {
        let text = "[function]\nname = \"f\"\nmemroy = 256\n";
        let err = StackSpec::parse(text, "lambdeck.toml").expect_err("unknown key");
        assert_eq!((err.line, err.column), (3, 1));
        assert_eq!(err.key, "function.memroy");
        assert!(err.reason.contains("unknown field `memroy`"), "{err}");
        assert!(!err.to_string().contains('\n'));
    }

    #[test]
    fn out_of_range_memory_points_at_the_value() {
        let text = "[function]\nmemory = 64\n";
        let err = StackSpec::parse(text, "x.toml").expect_err("too small");
        assert_eq!(err.key, "function.memory");
        assert_eq!((err.line, err.column), (2, 10));
        assert!(err.reason.contains("between 128 and 10240"), "{err}");
    }

    #[test]
    fn wrong_type_is_reported_with_its_key() {
        let text = "[api]\nstage = 3\n";
        let err = StackSpec::parse(text, "x.toml").expect_err("wrong type");
        assert_eq!(err.key, "api.stage");
        assert_eq!(err.line, 2);
    }

    #[test]
    fn syntax_error_gives_one_line() {
        let err = StackSpec::parse("[function\nname = 1", "x.toml").expect_err("syntax");
        assert_eq!(err.line, 1);
        assert!(!err.to_string().contains('\n'), "{err}");
        assert!(err.to_string().starts_with("x.toml:1:"), "{err}");
        assert!(!err.to_string().contains(": -:"), "{err}");
    }

    #[test]
    fn bad_route_path_and_duplicate_routes_are_refused() {
        let err =
            StackSpec::parse("[[api.routes]]\npath = \"hello\"\n", "x.toml").expect_err("path");
        assert_eq!(err.key, "api.routes[0].path");
        let dup = "[[api.routes]]\npath = \"/a\"\n[[api.routes]]\npath = \"/a\"\n";
        let err = StackSpec::parse(dup, "x.toml").expect_err("duplicate");
        assert_eq!((err.key.as_str(), err.line), ("api.routes[1]", 3));
    }

    #[test]
    fn methods_are_normalised_to_upper_case() {
        let spec = StackSpec::parse("[[api.routes]]\npath = \"/a/b\"\nmethod = \"post\"\n", "x")
            .expect("valid");
        assert_eq!(spec.api.routes[0].method.0, "POST");
        assert_eq!(
            spec.api.routes[0].path.parts().collect::<Vec<_>>(),
            ["a", "b"]
        );
    }

    #[test]
    fn saved_requests_parse_and_bad_ones_are_one_line() {
        let text = "[requests.create]\nmethod = \"post\"\npath = \"/pets\"\nquery = { v = \"1\" }\n\
                    headers = { content-type = \"application/json\" }\nbody = '{}'\n\
                    [requests.hello]\npath = \"/hello_world\"\n";
        let spec = StackSpec::parse(text, "x.toml").expect("valid");
        assert_eq!(spec.requests["hello"].method, "GET");
        assert_eq!(spec.requests["create"].body.as_deref(), Some("{}"));
        for (bad, key) in [
            ("[requests.a]\npath = \"pets\"\n", "requests.a.path"),
            (
                "[requests.a]\npath = \"/p\"\nmethod = \"G T\"\n",
                "requests.a.method",
            ),
            (
                "[requests.a]\npath = \"/p\"\nbody = \"x\"\nbody_file = \"f\"\n",
                "requests.a.body_file",
            ),
            (
                "[requests.a]\npath = \"/p\"\nbodi = \"x\"\n",
                "requests.a.bodi",
            ),
            ("[requests.a]\nmethod = \"GET\"\n", "requests.a"),
            ("[ping]\napi_kee = \"k\"\n", "ping.api_kee"),
        ] {
            let err = StackSpec::parse(bad, "x.toml").expect_err(bad);
            assert!(err.key.starts_with(key), "{bad}: {err}");
            assert!(!err.to_string().contains('\n'), "{err}");
            assert!(err.line >= 1, "{bad}: {err}");
        }
    }

    #[test]
    fn the_ping_api_key_is_read_and_never_written_back_out() {
        let spec = StackSpec::parse("[ping]\napi_key = \"k-123\"\n", "x.toml").expect("valid");
        assert_eq!(spec.ping.api_key.as_deref(), Some("k-123"));
        let json = serde_json::to_string(&spec).unwrap();
        assert!(!json.contains("k-123"), "{json}");
    }

    #[test]
    fn missing_file_is_an_error_naming_it() {
        let err = StackSpec::load(Path::new("/nonexistent/lambdeck.toml")).expect_err("missing");
        assert!(
            err.to_string()
                .starts_with("/nonexistent/lambdeck.toml: cannot read the file"),
            "{err}"
        );
    }

    #[test]
    fn terraform_names_fill_in_only_what_lambdeck_toml_leaves_out() {
        let text =
            "terraform = \"infra\"\n[function]\nname = \"mine\"\n[api]\ndescription = \"d\"\n";
        let mut spec = StackSpec::parse(text, "x.toml").expect("valid");
        assert_eq!(spec.terraform_dir(), Some(PathBuf::from("infra")));
        spec.root = PathBuf::from("proj");
        assert_eq!(spec.terraform_dir(), Some(PathBuf::from("proj/infra")));
        assert!(spec.sets("function.name") && !spec.sets("api.name"));
        let resolved = Resolved {
            function: Some(crate::terraform::TfFunction {
                address: "aws_lambda_function.f".into(),
                name: "tf-fn".into(),
                role: Some("tf-role".into()),
                runtime: Some("nodejs20.x".into()),
                handler: Some("index.handler".into()),
                architecture: Some("arm64".into()),
                memory_mb: Some(512),
                timeout_s: Some(30),
            }),
            api: Some(("abc".into(), "tf-api".into())),
            stage: Some("live".into()),
            routes: vec![crate::terraform::TfRoute {
                path: "/a".into(),
                method: "POST".into(),
                authorization: "NONE".into(),
                api_key_required: true,
            }],
        };
        spec.adopt(&resolved);
        assert_eq!(spec.function.name, "mine", "lambdeck.toml's name wins");
        assert_eq!(spec.function.role, "tf-role");
        assert_eq!(spec.function.runtime, "nodejs20.x");
        assert_eq!(spec.function.architecture, Architecture::Arm64);
        assert_eq!((spec.function.memory.0, spec.function.timeout.0), (512, 30));
        assert_eq!(spec.api.name, "tf-api");
        assert_eq!(spec.api.stage.0, "live");
        assert_eq!(spec.api.routes.len(), 1);
        assert_eq!(spec.api.routes[0].method.0, "POST");
        assert!(spec.api.routes[0].api_key_required);
    }
}
