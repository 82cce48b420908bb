//! The domain types: what discovery returns, what drift compares, what the TUI and the headless commands
//! show. Imports nothing of lambdeck's and no SDK type; everything serialises to the stable `--json` shapes.

pub mod definition;
pub mod request;

pub use request::{HttpRequest, TestInvocation, is_safe_method};

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

/// How healthy one node of the resource tree is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// Present and as lambdeck.toml wants it.
    #[default]
    Ok,
    /// Present, but something needs attention (the notes say what).
    Warning,
    /// Absent, or could not be read.
    Missing,
}

impl Health {
    /// The worse of two healths, for rolling children up into a parent.
    pub fn worst(self, other: Self) -> Self {
        self.max(other)
    }
}

/// One piece of the stack as discovery found it. A missing piece is part of the answer, never an error
/// that hides the rest. JSON: `{"status":"present", ...fields}`, `{"status":"missing"}` or
/// `{"status":"unknown","reason":"..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Found<T> {
    /// It exists; here is what it looks like.
    Present(T),
    /// It does not exist (the service said "not found", or no item matched the name).
    Missing,
    /// It could not be read (access denied, endpoint down, ...): the classified one-line reason.
    Unknown { reason: String },
}

impl<T> Found<T> {
    pub fn as_ref(&self) -> Option<&T> {
        match self {
            Self::Present(t) => Some(t),
            _ => None,
        }
    }

    pub fn as_mut(&mut self) -> Option<&mut T> {
        match self {
            Self::Present(t) => Some(t),
            _ => None,
        }
    }

    pub fn is_present(&self) -> bool {
        matches!(self, Self::Present(_))
    }

    pub fn is_missing(&self) -> bool {
        matches!(self, Self::Missing)
    }

    /// Missing and unknown pieces are both shown as missing in the tree; the reason says which.
    pub fn health_with(&self, present: impl FnOnce(&T) -> Health) -> Health {
        match self {
            Self::Present(t) => present(t),
            Self::Missing | Self::Unknown { .. } => Health::Missing,
        }
    }
}

/// The names lambdeck.toml gives each piece, so a missing piece can still be named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StackNames {
    pub function: String,
    pub log_group: String,
    pub role: String,
    pub api: String,
    pub stage: String,
}

/// What Terraform manages of the stack: the tree's node keys ("fn", "api/stage/tf-test", ...) and
/// the address of the resource in Terraform's state behind each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TerraformMarks {
    /// The Terraform folder whose state was read.
    pub dir: String,
    pub nodes: BTreeMap<String, String>,
}

/// The whole stack: one Lambda function behind one API Gateway REST API, as discovered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stack {
    /// The region the stack was read from.
    pub region: String,
    /// The custom endpoint (local stack, moto), when one is in use.
    pub endpoint_url: Option<String>,
    pub names: StackNames,
    pub function: Found<FunctionInfo>,
    pub log_group: Found<LogGroupInfo>,
    pub role: Found<RoleInfo>,
    /// The function's resource policy, judged against this API.
    pub permission: Found<PermissionInfo>,
    pub api: Found<RestApiInfo>,
    /// Does the stage serve what the working API describes?
    pub drift: Drift,
    /// What Terraform manages, when the project has a Terraform folder whose state was read.
    pub terraform: Option<TerraformMarks>,
}

impl Stack {
    /// The configured stage, when the API and the stage exist.
    pub fn stage(&self) -> Option<&Stage> {
        self.api.as_ref()?.stage(&self.names.stage)
    }

    /// The URL the configured stage is served at, e.g. `https://{id}.execute-api.{region}.amazonaws.com/{stage}`.
    pub fn invoke_url(&self) -> Option<&str> {
        self.stage().map(|s| s.invoke_url.as_str())
    }

    /// The routes the stage serves (its deployment's snapshot), which is what a ping can reach.
    pub fn deployed_routes(&self) -> Vec<RouteKey> {
        self.api
            .as_ref()
            .and_then(|api| api.deployed.as_ref())
            .map(|d| d.routes.iter().map(|r| r.key.clone()).collect())
            .unwrap_or_default()
    }

    /// What the stale diff could not compare (it is never silently "in sync"), one line each.
    pub fn not_comparable(&self) -> &[String] {
        self.api
            .as_ref()
            .and_then(|api| api.deployed.as_ref())
            .map(|d| d.not_comparable.as_slice())
            .unwrap_or_default()
    }

    /// The routes of the working API (what the next deployment would serve).
    pub fn working_routes(&self) -> Vec<RouteKey> {
        self.api
            .as_ref()
            .map(|api| api.routes().map(|(key, _)| key).collect())
            .unwrap_or_default()
    }

    /// The worst health in the tree, drift included (stale or unknown drift is a warning).
    pub fn health(&self) -> Health {
        let mut h = self.function.health_with(|f| f.health);
        h = h.worst(self.log_group.health_with(|l| l.health));
        h = h.worst(self.role.health_with(|r| r.health));
        h = h.worst(self.permission.health_with(|p| p.health));
        h = h.worst(self.api.health_with(|a| a.health));
        if !matches!(self.drift, Drift::InSync) {
            h = h.worst(Health::Warning);
        }
        h
    }
}

/// The Lambda function's configuration (GetFunction).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FunctionInfo {
    pub name: String,
    pub arn: String,
    pub runtime: Option<String>,
    pub handler: Option<String>,
    /// "x86_64" or "arm64".
    pub architecture: Option<String>,
    pub memory_mb: Option<i32>,
    pub timeout_s: Option<i32>,
    /// Pending, Active, Inactive, Failed.
    pub state: Option<String>,
    pub state_reason: Option<String>,
    /// InProgress, Successful, Failed.
    pub last_update_status: Option<String>,
    pub last_update_reason: Option<String>,
    /// base64(SHA-256(zip)), as Lambda reports it.
    pub code_sha256: Option<String>,
    pub code_size: i64,
    /// As Lambda reports it, e.g. "2020-04-10T19:06:32.563+0000".
    pub last_modified: Option<String>,
    /// The execution role's ARN.
    pub role_arn: Option<String>,
    /// Tagged `lambdeck:managed=true` (created by `lambdeck up`).
    pub managed: bool,
    pub health: Health,
    /// Why the health is not ok, one line each.
    pub notes: Vec<String>,
}

/// The function's CloudWatch log group (DescribeLogGroups) and its latest streams.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogGroupInfo {
    pub name: String,
    pub arn: Option<String>,
    /// None means the events never expire.
    pub retention_days: Option<i32>,
    pub stored_bytes: Option<i64>,
    /// Epoch milliseconds.
    pub created_ms: Option<i64>,
    /// Newest first (by last event time).
    pub latest_streams: Vec<LogStreamInfo>,
    pub managed: bool,
    pub health: Health,
    pub notes: Vec<String>,
}

/// One log stream, summarised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogStreamInfo {
    pub name: String,
    /// Epoch milliseconds of the last event, when any.
    pub last_event_ms: Option<i64>,
}

/// The function's execution role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleInfo {
    pub name: String,
    pub arn: String,
    /// False when IAM was not asked (the local stack has no IAM): the ARN is the function's.
    pub verified: bool,
    /// Lambda may assume it (its trust policy names lambda.amazonaws.com).
    pub trusts_lambda: Option<bool>,
    pub managed: bool,
    pub health: Health,
    pub notes: Vec<String>,
}

/// The function's resource policy (GetPolicy), judged: may this API invoke the function?
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PermissionInfo {
    pub statements: Vec<PolicyStatement>,
    /// Some statement lets apigateway.amazonaws.com invoke the function with a SourceArn that covers
    /// this API's execution ARN (or with no SourceArn at all).
    pub allows_api: bool,
    pub health: Health,
    pub notes: Vec<String>,
}

/// One statement of a Lambda resource policy, reduced to what matters for API Gateway. Lists are read
/// whole: a statement may name several principals, actions or source ARNs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyStatement {
    pub sid: Option<String>,
    pub effect: String,
    /// Service principals (e.g. "apigateway.amazonaws.com") or "*".
    pub principals: Vec<String>,
    pub actions: Vec<String>,
    /// The `AWS:SourceArn` condition's values, e.g. `arn:aws:execute-api:{region}:{account}:{apiId}/*/*`;
    /// empty when the statement has no such condition (any source).
    pub source_arns: Vec<String>,
}

impl PolicyStatement {
    /// Lets API Gateway invoke the function (principal and action), whatever the source.
    pub fn lets_api_gateway_invoke(&self) -> bool {
        self.effect == "Allow"
            && self
                .principals
                .iter()
                .any(|p| matches!(p.as_str(), "apigateway.amazonaws.com" | "*"))
            && self
                .actions
                .iter()
                .any(|a| matches!(a.as_str(), "lambda:InvokeFunction" | "lambda:*" | "*"))
    }
}

/// The REST API: its working resources, its deployment history and its stages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestApiInfo {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// Epoch seconds.
    pub created: Option<i64>,
    pub root_resource_id: Option<String>,
    /// The API's own settings a deployment freezes (policy, binary media types, ...), as working now.
    pub settings: definition::ApiSettings,
    /// EDGE, REGIONAL or PRIVATE (not frozen by a deployment: never part of the drift).
    pub endpoint_types: Vec<String>,
    /// The working copy (GetResources embed=methods), sorted by path.
    pub resources: Vec<Resource>,
    /// Newest first.
    pub deployments: Vec<Deployment>,
    /// Sorted by name.
    pub stages: Vec<Stage>,
    /// What the configured stage serves (its deployment's snapshot), when it exists and could be read.
    pub deployed: Option<DeployedApi>,
    pub managed: bool,
    pub health: Health,
    pub notes: Vec<String>,
}

impl RestApiInfo {
    pub fn stage(&self, name: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.name == name)
    }

    pub fn deployment(&self, id: &str) -> Option<&Deployment> {
        self.deployments.iter().find(|d| d.id == id)
    }

    pub fn resource(&self, path: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.path == path)
    }

    /// Every (route, method) of the working API, in path order.
    pub fn routes(&self) -> impl Iterator<Item = (RouteKey, &Method)> {
        self.resources.iter().flat_map(|r| {
            r.methods.iter().map(move |m| {
                (
                    RouteKey {
                        method: m.http_method.clone(),
                        path: r.path.clone(),
                    },
                    m,
                )
            })
        })
    }
}

/// One resource of the working API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resource {
    pub id: String,
    pub parent_id: Option<String>,
    /// Full path, e.g. "/hello_world"; the root is "/".
    pub path: String,
    pub path_part: Option<String>,
    /// Sorted by verb.
    pub methods: Vec<Method>,
}

/// A method on a resource, with its integration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Method {
    /// Upper case, e.g. "GET"; "ANY" for the catch-all.
    pub http_method: String,
    /// NONE, AWS_IAM, CUSTOM, COGNITO_USER_POOLS.
    pub authorization_type: String,
    pub authorizer_id: Option<String>,
    pub api_key_required: bool,
    /// None when the method has no integration (API Gateway refuses to deploy such an API).
    pub integration: Option<Integration>,
    pub health: Health,
    pub notes: Vec<String>,
}

/// A method's integration, resolved to the function it calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Integration {
    /// AWS_PROXY, AWS, HTTP, HTTP_PROXY, MOCK (upper case, as the control plane reports it).
    #[serde(rename = "type")]
    pub kind: String,
    /// The method API Gateway calls the backend with (POST for Lambda).
    pub http_method: Option<String>,
    pub uri: Option<String>,
    /// The role API Gateway assumes to call the backend; with one, Lambda's resource policy is not
    /// consulted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials: Option<String>,
    pub target: IntegrationTarget,
    /// Does it call the stack's function? Judged when the stack is assessed. Left out of the JSON
    /// (schema 1): there the method's health and notes say what is wrong with its integration.
    #[serde(skip)]
    pub health: Health,
}

/// Where an integration leads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IntegrationTarget {
    /// The stack's function.
    ThisFunction,
    /// Another Lambda function: flagged, it is probably a mistake.
    OtherFunction { function_arn: String },
    /// Not a Lambda integration (HTTP, MOCK, other AWS service).
    NotLambda,
}

impl Integration {
    /// An integration as the control plane reports it, before the engine resolves where it leads
    /// (`target` starts as `NotLambda`; `stack` judges the URI against the configured function).
    pub fn unresolved(kind: String, http_method: Option<String>, uri: Option<String>) -> Self {
        Self {
            kind,
            http_method,
            uri,
            credentials: None,
            target: IntegrationTarget::NotLambda,
            health: Health::Ok,
        }
    }

    /// True when the integration calls something other than the stack's function.
    pub fn points_elsewhere(&self) -> bool {
        !matches!(self.target, IntegrationTarget::ThisFunction)
    }
}

/// A deployment: a frozen snapshot of the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deployment {
    pub id: String,
    /// Epoch seconds.
    pub created: Option<i64>,
    pub description: Option<String>,
    /// Names of the stages pointing at it.
    pub stages: Vec<String>,
}

/// A stage: a name, the deployment it serves, and its public URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stage {
    pub name: String,
    pub deployment_id: Option<String>,
    /// The deployment a canary release sends part of the traffic to, when one is set up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canary_deployment_id: Option<String>,
    /// The share of the stage's requests the canary takes, when one is set up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canary_percent: Option<Percent>,
    /// `https://{id}.execute-api.{region}.amazonaws.com/{stage}`, or the local stack's path-style URL.
    pub invoke_url: String,
    pub description: Option<String>,
    /// The documentation version published to the stage, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documentation_version: Option<String>,
    /// Epoch seconds.
    pub created: Option<i64>,
    /// Epoch seconds.
    pub last_updated: Option<i64>,
    /// This stage's own drift: does it serve what the working API describes? Every stage is judged;
    /// the stack's `drift` is the configured stage's. None until discovery judged it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drift: Option<Drift>,
    /// What this stage's comparison could not see, one line each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_comparable: Vec<String>,
    /// What the stage serves as a whole (its export read with its deployment's apiSummary), or why
    /// it could not be read: what a diff between two stages compares. Not part of the JSON.
    #[serde(skip)]
    pub served: Option<Result<definition::ApiDefinition, String>>,
    pub health: Health,
    pub notes: Vec<String>,
}

impl Stage {
    /// A stage as the control plane lists it, before discovery judges it.
    pub fn listed(name: String, deployment_id: Option<String>, invoke_url: String) -> Self {
        Self {
            name,
            deployment_id,
            canary_deployment_id: None,
            canary_percent: None,
            invoke_url,
            description: None,
            documentation_version: None,
            created: None,
            last_updated: None,
            drift: None,
            not_comparable: vec![],
            served: None,
            health: Health::Ok,
            notes: vec![],
        }
    }
}

/// A share of traffic, 0.0 to 100.0, as API Gateway gives it (a double). JSON: a number.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Percent(pub f64);

// Percentages come from API Gateway or from the command line, never NaN.
impl Eq for Percent {}

impl fmt::Display for Percent {
    /// "50%", "12.5%".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.0)
    }
}

/// A route: a verb on a resource path. Displayed as "GET /hello_world".
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct RouteKey {
    pub method: String,
    pub path: String,
}

impl RouteKey {
    pub fn new(method: impl Into<String>, path: impl Into<String>) -> Self {
        Self {
            method: method.into(),
            path: path.into(),
        }
    }
}

impl fmt::Display for RouteKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// One route as a deployment serves it (apiSummary + the export's integrations).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeployedRoute {
    pub key: RouteKey,
    pub authorization_type: String,
    pub api_key_required: bool,
    /// Upper case, e.g. "AWS_PROXY"; None when the export had no integration for it.
    pub integration_type: Option<String>,
    pub integration_uri: Option<String>,
}

/// What a stage serves: the routes of its current deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeployedApi {
    pub deployment_id: String,
    /// Sorted by (path, method).
    pub routes: Vec<DeployedRoute>,
    /// Why the deployed integrations (GetExport) could not be read; routes and authorization still
    /// compare, integrations do not.
    pub integrations_unread: Option<String>,
    /// What the comparison could not see, one line each (e.g. documentation parts, which the export
    /// does not carry). Never silently "in sync": these are shown with the drift.
    pub not_comparable: Vec<String>,
}

/// One method as a deployment's apiSummary describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodSummary {
    pub authorization_type: String,
    pub api_key_required: bool,
}

/// A deployment's apiSummary: path -> verb (upper case) -> summary.
pub type ApiSummary = BTreeMap<String, BTreeMap<String, MethodSummary>>;

/// Does the stage serve what the working API describes?
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Drift {
    /// Every route, authorization and integration is live.
    InSync,
    /// The working API has changes the stage does not serve; a deployment would make them live.
    Stale { changes: Vec<Change> },
    /// Drift could not be computed (no API, no stage, a read failed): the reason.
    Unknown { reason: String },
}

impl Drift {
    pub fn is_stale(&self) -> bool {
        matches!(self, Self::Stale { .. })
    }

    pub fn changes(&self) -> &[Change] {
        match self {
            Self::Stale { changes } => changes,
            _ => &[],
        }
    }

    /// One line for humans: "in sync", "stale: 2 changes (+GET /new, ~GET /hello_world integration)".
    pub fn summary(&self) -> String {
        match self {
            Self::InSync => "in sync".into(),
            Self::Stale { changes } => format!(
                "stale: {} change{} ({})",
                changes.len(),
                if changes.len() == 1 { "" } else { "s" },
                describe_changes(changes)
            ),
            Self::Unknown { reason } => format!("unknown: {reason}"),
        }
    }
}

/// What a change is about: the REST API itself, one route, or an API-level element by name.
/// JSON: `"rest_api"`, `{"route":{"method":"GET","path":"/a"}}`, `{"gateway_response":"DEFAULT_4XX"}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Element {
    RestApi,
    Route(RouteKey),
    Authorizer(String),
    Model(String),
    RequestValidator(String),
    GatewayResponse(String),
    /// A documentation part, by its location (`METHOD GET /pets`).
    Documentation(String),
}

impl Element {
    /// The order changes are listed in: the API first, then routes by path and verb, then the
    /// API-level elements.
    fn order(&self) -> (u8, &str, &str) {
        match self {
            Self::RestApi => (0, "", ""),
            Self::Route(r) => (1, &r.path, &r.method),
            Self::Authorizer(n) => (2, n, ""),
            Self::Model(n) => (3, n, ""),
            Self::RequestValidator(n) => (4, n, ""),
            Self::GatewayResponse(n) => (5, n, ""),
            Self::Documentation(n) => (6, n, ""),
        }
    }
}

impl fmt::Display for Element {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RestApi => write!(f, "rest api"),
            Self::Route(r) => write!(f, "{r}"),
            Self::Authorizer(n) => write!(f, "authorizer {n}"),
            Self::Model(n) => write!(f, "model {n}"),
            Self::RequestValidator(n) => write!(f, "request validator {n}"),
            Self::GatewayResponse(n) => write!(f, "gateway response {n}"),
            Self::Documentation(n) => write!(f, "documentation {n}"),
        }
    }
}

/// One difference between the working API and what the stage serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub element: Element,
    #[serde(flatten)]
    pub kind: ChangeKind,
}

impl Change {
    pub fn added(element: Element) -> Self {
        Self {
            element,
            kind: ChangeKind::Added,
        }
    }

    pub fn removed(element: Element) -> Self {
        Self {
            element,
            kind: ChangeKind::Removed,
        }
    }

    pub fn modified(
        element: Element,
        field: impl Into<String>,
        from: Option<String>,
        to: Option<String>,
    ) -> Self {
        Self {
            element,
            kind: ChangeKind::Modified {
                field: field.into(),
                from,
                to,
            },
        }
    }

    /// The route it is about, when it is about a route.
    pub fn route(&self) -> Option<&RouteKey> {
        match &self.element {
            Element::Route(r) => Some(r),
            _ => None,
        }
    }

    /// The mark a diff line starts with: `+` added, `-` removed, `~` modified.
    pub fn mark(&self) -> char {
        match self.kind {
            ChangeKind::Added => '+',
            ChangeKind::Removed => '-',
            ChangeKind::Modified { .. } => '~',
        }
    }
}

/// Sorts changes into the order they are shown: by element (API, routes by path and verb, then the
/// API-level elements), fields in name order within one.
pub fn sort_changes(changes: &mut [Change]) {
    changes.sort_by(|a, b| {
        let field = |c: &Change| match &c.kind {
            ChangeKind::Modified { field, .. } => field.clone(),
            _ => String::new(),
        };
        a.element
            .order()
            .cmp(&b.element.order())
            .then_with(|| field(a).cmp(&field(b)))
    });
}

/// What changed. JSON: `{"change":"added"}`, `{"change":"modified","field":..,"from":..,"to":..}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum ChangeKind {
    /// In the working API, not served.
    Added,
    /// Served, no longer in the working API.
    Removed,
    /// One field differs; None where one side does not set it.
    Modified {
        field: String,
        from: Option<String>,
        to: Option<String>,
    },
}

/// Values longer than this (policies, templates, schemas) are named, not printed, in a diff line.
const SHOWN_VALUE_MAX: usize = 60;

fn shown(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "(none)".into())
}

impl fmt::Display for Change {
    /// `+ GET /new`, `~ GET /hello_world integration.timeoutInMillis 29000 → 5000`, `~ rest api policy`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ChangeKind::Added | ChangeKind::Removed => {
                write!(f, "{} {}", self.mark(), self.element)
            }
            ChangeKind::Modified { field, from, to } => {
                write!(f, "~ {} {field}", self.element)?;
                let (a, b) = (shown(from), shown(to));
                let printable = |s: &str| s.chars().count() <= SHOWN_VALUE_MAX && !s.contains('\n');
                if printable(&a) && printable(&b) {
                    write!(f, " {a} → {b}")?;
                }
                Ok(())
            }
        }
    }
}

/// The compact list a deployment description records: "+GET /new, -GET /old, ~GET /hello_world integration".
/// Several changes to one part of one element are named once.
pub fn describe_changes(changes: &[Change]) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in changes {
        let part = match &c.kind {
            ChangeKind::Added => format!("+{}", c.element),
            ChangeKind::Removed => format!("-{}", c.element),
            ChangeKind::Modified { field, .. } => {
                let head = field.split(['.', '[']).next().unwrap_or(field);
                format!("~{} {head}", c.element)
            }
        };
        if !parts.contains(&part) {
            parts.push(part);
        }
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_descriptions_are_compact_and_deduplicated() {
        let route = || Element::Route(RouteKey::new("GET", "/hello_world"));
        let changes = vec![
            Change::added(Element::Route(RouteKey::new("GET", "/new"))),
            Change::modified(
                route(),
                "integration.type",
                Some("AWS_PROXY".into()),
                Some("MOCK".into()),
            ),
            Change::modified(route(), "integration.uri", Some("a".into()), None),
            Change::modified(Element::RestApi, "policy", None, Some("{}".into())),
        ];
        assert_eq!(
            describe_changes(&changes),
            "+GET /new, ~GET /hello_world integration, ~rest api policy"
        );
        let drift = Drift::Stale { changes };
        assert_eq!(
            drift.summary(),
            "stale: 4 changes (+GET /new, ~GET /hello_world integration, ~rest api policy)"
        );
    }

    #[test]
    fn change_lines_show_short_values_and_name_long_ones() {
        let timeout = Change::modified(
            Element::Route(RouteKey::new("GET", "/hello_world")),
            "integration.timeoutInMillis",
            Some("29000".into()),
            Some("5000".into()),
        );
        assert_eq!(
            timeout.to_string(),
            "~ GET /hello_world integration.timeoutInMillis 29000 → 5000"
        );
        let policy = Change::modified(
            Element::RestApi,
            "policy",
            None,
            Some("{\"Statement\":[".repeat(10)),
        );
        assert_eq!(policy.to_string(), "~ rest api policy");
        assert_eq!(
            Change::added(Element::GatewayResponse("DEFAULT_4XX".into())).to_string(),
            "+ gateway response DEFAULT_4XX"
        );
        let mut changes = vec![
            Change::added(Element::GatewayResponse("DEFAULT_4XX".into())),
            Change::removed(Element::Route(RouteKey::new("GET", "/b"))),
            Change::added(Element::Route(RouteKey::new("DELETE", "/a"))),
            policy,
        ];
        sort_changes(&mut changes);
        let order: Vec<String> = changes.iter().map(|c| c.element.to_string()).collect();
        assert_eq!(
            order,
            [
                "rest api",
                "DELETE /a",
                "GET /b",
                "gateway response DEFAULT_4XX"
            ]
        );
    }

    #[test]
    fn json_shapes_are_tagged() {
        let found: Found<Deployment> = Found::Missing;
        assert_eq!(
            serde_json::to_value(&found).unwrap(),
            serde_json::json!({"status":"missing"})
        );
        let change = Change::modified(
            Element::Route(RouteKey::new("GET", "/a")),
            "apiKeyRequired",
            Some("false".into()),
            Some("true".into()),
        );
        assert_eq!(
            serde_json::to_value(&change).unwrap(),
            serde_json::json!({"element":{"route":{"method":"GET","path":"/a"}},"change":"modified","field":"apiKeyRequired","from":"false","to":"true"})
        );
        assert_eq!(
            serde_json::to_value(Drift::InSync).unwrap(),
            serde_json::json!({"state":"in_sync"})
        );
        let present = Found::Present(Deployment {
            id: "d1".into(),
            created: Some(1),
            description: None,
            stages: vec![],
        });
        assert_eq!(serde_json::to_value(&present).unwrap()["status"], "present");
    }
}
