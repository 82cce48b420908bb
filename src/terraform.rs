//! A stack Terraform manages: the folder `terraform = "dir"` in lambdeck.toml names (or `*.tf` files
//! found beside lambdeck.toml or in a `terraform/` folder next to it), read with `terraform show -json`.
//! From its state come the names lambdeck.toml need not repeat (`resolve`) and what Terraform owns
//! (`TerraformState`); after lambdeck moves a stage Terraform owns, it says what the next
//! `terraform apply` will do and prints the `triggers` + `create_before_destroy` fix, ready to paste.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// One resource of Terraform's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TfResource {
    /// `aws_api_gateway_stage.hello_world` (module resources keep their `module.x.` prefix).
    pub address: String,
    /// `aws_api_gateway_stage`.
    pub kind: String,
    pub values: Value,
}

impl TfResource {
    /// A string attribute of the resource's state.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.values.get(key).and_then(Value::as_str)
    }

    fn int(&self, key: &str) -> Option<i64> {
        self.values.get(key).and_then(Value::as_i64)
    }
}

/// The Terraform folder of a project and the resources of its state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TerraformState {
    /// The folder, as lambdeck.toml names it (or as found), for messages.
    pub dir: PathBuf,
    pub resources: Vec<TfResource>,
}

impl TerraformState {
    /// The resources of one type.
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a TfResource> + 'a {
        self.resources.iter().filter(move |r| r.kind == kind)
    }

    /// The address of the resource of `kind` whose attribute `key` is `value`.
    pub fn address_where<'a>(&'a self, kind: &'a str, key: &str, value: &str) -> Option<&'a str> {
        self.of_kind(kind)
            .find(|r| r.value(key) == Some(value))
            .map(|r| r.address.as_str())
    }

    /// The address of what Terraform manages at `path` of API `api_id`: the resource itself
    /// (`verb` None; never the root, which the API brings), or its method or integration (`kind`).
    pub fn route_address<'a>(
        &'a self,
        kind: &'a str,
        api_id: &str,
        path: &str,
        verb: Option<&str>,
    ) -> Option<&'a str> {
        let in_api = |r: &&TfResource| r.value("rest_api_id") == Some(api_id);
        let resource_id = if path == "/" {
            self.of_kind("aws_api_gateway_rest_api")
                .find(|r| r.value("id") == Some(api_id))?
                .value("root_resource_id")?
        } else {
            self.of_kind("aws_api_gateway_resource")
                .filter(in_api)
                .find(|r| r.value("path") == Some(path))?
                .value("id")?
        };
        match verb {
            None if path == "/" => None,
            None => self
                .of_kind("aws_api_gateway_resource")
                .filter(in_api)
                .find(|r| r.value("id") == Some(resource_id))
                .map(|r| r.address.as_str()),
            Some(verb) => self
                .of_kind(kind)
                .filter(in_api)
                .find(|r| {
                    r.value("resource_id") == Some(resource_id)
                        && r.value("http_method") == Some(verb)
                })
                .map(|r| r.address.as_str()),
        }
    }

    /// The deployment ids of an API that Terraform created.
    pub fn deployment_ids(&self, api_id: &str) -> Vec<&str> {
        self.of_kind("aws_api_gateway_deployment")
            .filter(|r| r.value("rest_api_id") == Some(api_id))
            .filter_map(|r| r.value("id"))
            .collect()
    }
}

/// The Terraform folder of a project: the project's own folder when it holds `*.tf` files, else its
/// `terraform/` folder when that does.
pub fn find_dir(root: &Path) -> Option<PathBuf> {
    let has_tf = |d: &Path| {
        std::fs::read_dir(d).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "tf"))
        })
    };
    [root.to_path_buf(), root.join("terraform")]
        .into_iter()
        .find(|d| has_tf(d))
}

/// Why Terraform's state could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// No `terraform` binary to run.
    NoTerraform(String),
    /// `terraform show -json` failed or printed something unreadable.
    Unreadable(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoTerraform(e) | Self::Unreadable(e) => f.write_str(e),
        }
    }
}

/// Reads the state of the Terraform folder `dir` (`shown` is how messages name it).
pub fn read(dir: &Path, shown: &Path) -> Result<TerraformState, ReadError> {
    if !dir.is_dir() {
        return Err(ReadError::Unreadable(format!(
            "{} is not a folder",
            shown.display()
        )));
    }
    match read_state(dir) {
        Ok(resources) => Ok(TerraformState {
            dir: shown.to_path_buf(),
            resources,
        }),
        Err(e) if e.starts_with("cannot run terraform") => Err(ReadError::NoTerraform(e)),
        Err(e) => Err(ReadError::Unreadable(e)),
    }
}

/// Runs `terraform show -json` in `dir` and reads the resources of its state.
pub fn read_state(dir: &Path) -> Result<Vec<TfResource>, String> {
    let out = Command::new("terraform")
        .args(["show", "-json", "-no-color"])
        .current_dir(dir)
        .env("TF_IN_AUTOMATION", "1")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run terraform: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "terraform show -json failed: {}",
            err.lines().find(|l| !l.trim().is_empty()).unwrap_or("")
        ));
    }
    parse_show(&String::from_utf8_lossy(&out.stdout))
}

/// The resources of a `terraform show -json` document, the root module's and every child module's.
pub fn parse_show(json: &str) -> Result<Vec<TfResource>, String> {
    let doc: Value =
        serde_json::from_str(json).map_err(|e| format!("terraform show -json: {e}"))?;
    let mut out = Vec::new();
    if let Some(root) = doc.pointer("/values/root_module") {
        collect(root, &mut out);
    }
    Ok(out)
}

fn collect(module: &Value, out: &mut Vec<TfResource>) {
    for r in module
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if r.get("mode").and_then(Value::as_str) != Some("managed") {
            continue;
        }
        if let (Some(address), Some(kind)) = (
            r.get("address").and_then(Value::as_str),
            r.get("type").and_then(Value::as_str),
        ) {
            out.push(TfResource {
                address: address.to_owned(),
                kind: kind.to_owned(),
                values: r.get("values").cloned().unwrap_or(Value::Null),
            });
        }
    }
    for child in module
        .get("child_modules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        collect(child, out);
    }
}

/// What lambdeck.toml names explicitly; Terraform's state fills in the rest.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hints<'a> {
    pub function: Option<&'a str>,
    pub api: Option<&'a str>,
    pub stage: Option<&'a str>,
}

/// The function as Terraform's state has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TfFunction {
    pub address: String,
    pub name: String,
    /// The execution role's name (from the role ARN).
    pub role: Option<String>,
    pub runtime: Option<String>,
    pub handler: Option<String>,
    pub architecture: Option<String>,
    pub memory_mb: Option<i64>,
    pub timeout_s: Option<i64>,
}

/// A route of the API in Terraform's state: a method whose integration is a Lambda proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TfRoute {
    pub path: String,
    pub method: String,
    pub authorization: String,
    pub api_key_required: bool,
}

/// The names Terraform's state gives the stack's pieces (None: the state holds no such piece, or not
/// the one lambdeck.toml names).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Resolved {
    pub function: Option<TfFunction>,
    /// (id, name)
    pub api: Option<(String, String)>,
    pub stage: Option<String>,
    /// The API's Lambda proxy routes, when the API is Terraform's.
    pub routes: Vec<TfRoute>,
}

/// One line for a choice lambdeck cannot make: which key of lambdeck.toml settles it.
fn ambiguous(what: &str, candidates: &[&TfResource], key: &str, attr: &str) -> String {
    let listed: Vec<String> = candidates
        .iter()
        .map(|r| format!("{} ({})", r.address, r.value(attr).unwrap_or("?")))
        .collect();
    format!(
        "Terraform's state holds {} {what}s ({}): set {key} in lambdeck.toml to the one lambdeck manages",
        candidates.len(),
        listed.join(", ")
    )
}

/// Does an integration URI call function `name` (any qualifier)?
fn calls_function(uri: &str, name: &str) -> bool {
    uri.contains(&format!(":function:{name}/")) || uri.contains(&format!(":function:{name}:"))
}

/// The function, API and stage Terraform manages, narrowed by what lambdeck.toml names: a name given
/// there wins (and is used to choose among several); two candidates left is an error naming the key
/// to set.
pub fn resolve(resources: &[TfResource], hints: Hints<'_>) -> Result<Resolved, String> {
    let of =
        |kind: &str| -> Vec<&TfResource> { resources.iter().filter(|r| r.kind == kind).collect() };
    let integrations = of("aws_api_gateway_integration");
    let mut functions = of("aws_lambda_function");
    if let Some(name) = hints.function {
        functions.retain(|f| f.value("function_name") == Some(name));
    }
    let mut apis = of("aws_api_gateway_rest_api");
    if let Some(name) = hints.api {
        apis.retain(|a| a.value("name") == Some(name));
    }
    // Several APIs: the one whose integrations call the (one or named) function.
    if apis.len() > 1 && functions.len() == 1 {
        let f = functions[0].value("function_name").unwrap_or_default();
        let calling: Vec<&TfResource> = apis
            .iter()
            .copied()
            .filter(|a| {
                integrations.iter().any(|i| {
                    i.value("rest_api_id") == a.value("id")
                        && i.value("uri").is_some_and(|u| calls_function(u, f))
                })
            })
            .collect();
        if calling.len() == 1 {
            apis = calling;
        }
    }
    if apis.len() > 1 {
        return Err(ambiguous("REST API", &apis, "api.name", "name"));
    }
    let api = apis.first().copied();
    // Several functions: the one the API's integrations call.
    if functions.len() > 1
        && let Some(api) = api
    {
        let called: Vec<&TfResource> = functions
            .iter()
            .copied()
            .filter(|f| {
                let name = f.value("function_name").unwrap_or_default();
                integrations.iter().any(|i| {
                    i.value("rest_api_id") == api.value("id")
                        && i.value("uri").is_some_and(|u| calls_function(u, name))
                })
            })
            .collect();
        if called.len() == 1 {
            functions = called;
        }
    }
    if functions.len() > 1 {
        return Err(ambiguous(
            "Lambda function",
            &functions,
            "function.name",
            "function_name",
        ));
    }
    let mut stages: Vec<&TfResource> = of("aws_api_gateway_stage")
        .into_iter()
        .filter(|s| api.is_some() && s.value("rest_api_id") == api.and_then(|a| a.value("id")))
        .collect();
    if let Some(name) = hints.stage {
        stages.retain(|s| s.value("stage_name") == Some(name));
    }
    if stages.len() > 1 {
        return Err(ambiguous("stage", &stages, "api.stage", "stage_name"));
    }
    let roles = of("aws_iam_role");
    let function = functions.first().map(|f| {
        let role_arn = f.value("role");
        let role = role_arn.map(|arn| {
            roles
                .iter()
                .find(|r| r.value("arn") == Some(arn))
                .and_then(|r| r.value("name"))
                .unwrap_or_else(|| arn.rsplit('/').next().unwrap_or(arn))
                .to_owned()
        });
        TfFunction {
            address: f.address.clone(),
            name: f.value("function_name").unwrap_or_default().to_owned(),
            role,
            runtime: f
                .value("runtime")
                .filter(|r| !r.is_empty())
                .map(str::to_owned),
            handler: f
                .value("handler")
                .filter(|h| !h.is_empty())
                .map(str::to_owned),
            architecture: f
                .values
                .get("architectures")
                .and_then(|a| a.get(0))
                .and_then(Value::as_str)
                .map(str::to_owned),
            memory_mb: f.int("memory_size"),
            timeout_s: f.int("timeout"),
        }
    });
    let routes = api.map(|a| api_routes(resources, a)).unwrap_or_default();
    Ok(Resolved {
        function,
        api: api.map(|a| {
            (
                a.value("id").unwrap_or_default().to_owned(),
                a.value("name").unwrap_or_default().to_owned(),
            )
        }),
        stage: stages
            .first()
            .and_then(|s| s.value("stage_name"))
            .map(str::to_owned),
        routes,
    })
}

/// The API's methods with a Lambda proxy integration, by path and verb.
fn api_routes(resources: &[TfResource], api: &TfResource) -> Vec<TfRoute> {
    let api_id = api.value("id");
    let in_api = |r: &&TfResource| r.value("rest_api_id") == api_id;
    let path_of = |resource_id: &str| -> Option<String> {
        if api.value("root_resource_id") == Some(resource_id) {
            return Some("/".into());
        }
        resources
            .iter()
            .filter(|r| r.kind == "aws_api_gateway_resource")
            .filter(in_api)
            .find(|r| r.value("id") == Some(resource_id))
            .and_then(|r| r.value("path"))
            .map(str::to_owned)
    };
    let mut routes: Vec<TfRoute> = resources
        .iter()
        .filter(|r| r.kind == "aws_api_gateway_method")
        .filter(in_api)
        .filter_map(|m| {
            let resource_id = m.value("resource_id")?;
            let verb = m.value("http_method")?;
            let proxy = resources.iter().any(|i| {
                i.kind == "aws_api_gateway_integration"
                    && i.value("rest_api_id") == api_id
                    && i.value("resource_id") == Some(resource_id)
                    && i.value("http_method") == Some(verb)
                    && i.value("type") == Some("AWS_PROXY")
            });
            proxy.then(|| {
                Some(TfRoute {
                    path: path_of(resource_id)?,
                    method: verb.to_owned(),
                    authorization: m.value("authorization").unwrap_or("NONE").to_owned(),
                    api_key_required: m
                        .values
                        .get("api_key_required")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                })
            })?
        })
        .collect();
    routes.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
    routes
}

/// What Terraform will do to a stage lambdeck just moved, and the fix for the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct StageWarning {
    pub stage_address: String,
    /// The deployment Terraform's state has the stage on.
    pub terraform_deployment: String,
    pub deployment_address: Option<String>,
    /// The `triggers` + `lifecycle` lines for the deployment resource.
    pub fix: String,
}

impl StageWarning {
    /// The lines printed after a deploy or rollback.
    pub fn render(&self, stage: &str, dir: &Path) -> String {
        let mut s = format!(
            "warning: stage {stage} is managed by Terraform ({} in {}): the next `terraform apply` points it back at deployment {}, the one in Terraform's state.",
            self.stage_address,
            dir.display(),
            self.terraform_deployment
        );
        match &self.deployment_address {
            Some(addr) => s.push_str(&format!(
                "\nTo have Terraform make a new deployment whenever the API changes (and keep the stage on it), add to {addr}:\n\n{}",
                self.fix
            )),
            None => s.push_str(&format!(
                "\nTo have Terraform make a new deployment whenever the API changes, add to the aws_api_gateway_deployment the stage uses:\n\n{}",
                self.fix
            )),
        }
        s
    }
}

/// The reference Terraform code uses for a resource of the root module (`type.name`); module resources
/// are named by their address.
fn reference(r: &TfResource) -> String {
    r.address.clone()
}

/// Finds the stage `stage_name` of API `api_id` in Terraform's state and builds the warning for it;
/// `None` when Terraform does not manage that stage.
pub fn stage_warning(
    resources: &[TfResource],
    api_id: &str,
    stage_name: &str,
) -> Option<StageWarning> {
    let stage = resources.iter().find(|r| {
        r.kind == "aws_api_gateway_stage"
            && r.value("rest_api_id") == Some(api_id)
            && r.value("stage_name") == Some(stage_name)
    })?;
    let terraform_deployment = stage.value("deployment_id").unwrap_or("").to_owned();
    let deployment = resources.iter().find(|r| {
        r.kind == "aws_api_gateway_deployment" && r.value("id") == Some(&terraform_deployment)
    });
    let mut lines: Vec<String> = Vec::new();
    let mut parts: Vec<&TfResource> = resources
        .iter()
        .filter(|r| {
            matches!(
                r.kind.as_str(),
                "aws_api_gateway_resource"
                    | "aws_api_gateway_method"
                    | "aws_api_gateway_integration"
            ) && r.value("rest_api_id") == Some(api_id)
        })
        .collect();
    parts.sort_by(|a, b| a.address.cmp(&b.address));
    for r in parts {
        let reference = reference(r);
        lines.push(format!("      {reference}.id,"));
        match r.kind.as_str() {
            "aws_api_gateway_method" => {
                lines.push(format!("      {reference}.authorization,"));
                lines.push(format!("      {reference}.api_key_required,"));
            }
            "aws_api_gateway_integration" => {
                lines.push(format!("      {reference}.type,"));
                lines.push(format!("      {reference}.uri,"));
            }
            _ => {}
        }
    }
    let fix = format!(
        "  triggers = {{\n    redeployment = sha1(jsonencode([\n{}\n    ]))\n  }}\n\n  lifecycle {{\n    create_before_destroy = true\n  }}\n",
        lines.join("\n")
    );
    Some(StageWarning {
        stage_address: stage.address.clone(),
        terraform_deployment,
        deployment_address: deployment.map(|d| d.address.clone()),
        fix,
    })
}

/// After lambdeck moved a stage: the warning to print when Terraform's state (read at start) holds it.
pub fn after_stage_change(
    state: Option<&TerraformState>,
    api_id: &str,
    stage_name: &str,
) -> Option<String> {
    let state = state?;
    stage_warning(&state.resources, api_id, stage_name).map(|w| w.render(stage_name, &state.dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHOW: &str = r#"{"format_version":"1.0","values":{"root_module":{"resources":[
      {"address":"aws_api_gateway_rest_api.api","mode":"managed","type":"aws_api_gateway_rest_api","name":"api","values":{"id":"abc"}},
      {"address":"aws_api_gateway_resource.hello","mode":"managed","type":"aws_api_gateway_resource","name":"hello","values":{"id":"r1","rest_api_id":"abc"}},
      {"address":"aws_api_gateway_method.hello","mode":"managed","type":"aws_api_gateway_method","name":"hello","values":{"id":"m1","rest_api_id":"abc"}},
      {"address":"aws_api_gateway_integration.hello","mode":"managed","type":"aws_api_gateway_integration","name":"hello","values":{"id":"i1","rest_api_id":"abc"}},
      {"address":"aws_api_gateway_resource.other_api","mode":"managed","type":"aws_api_gateway_resource","name":"other_api","values":{"id":"r9","rest_api_id":"zzz"}},
      {"address":"aws_api_gateway_deployment.d","mode":"managed","type":"aws_api_gateway_deployment","name":"d","values":{"id":"dep1","rest_api_id":"abc"}},
      {"address":"aws_api_gateway_stage.s","mode":"managed","type":"aws_api_gateway_stage","name":"s","values":{"deployment_id":"dep1","rest_api_id":"abc","stage_name":"tf-test"}},
      {"address":"data.aws_caller_identity.me","mode":"data","type":"aws_caller_identity","name":"me","values":{}}
    ]}}}"#;

    #[test]
    fn the_state_names_the_stage_its_deployment_and_the_triggers_fix() {
        let resources = parse_show(SHOW).unwrap();
        assert_eq!(resources.len(), 7, "data sources are not managed resources");
        let w = stage_warning(&resources, "abc", "tf-test").unwrap();
        assert_eq!(w.stage_address, "aws_api_gateway_stage.s");
        assert_eq!(w.terraform_deployment, "dep1");
        assert_eq!(
            w.deployment_address.as_deref(),
            Some("aws_api_gateway_deployment.d")
        );
        assert!(
            w.fix.contains("aws_api_gateway_resource.hello.id,"),
            "{}",
            w.fix
        );
        assert!(
            w.fix.contains("aws_api_gateway_integration.hello.uri,"),
            "{}",
            w.fix
        );
        assert!(w.fix.contains("create_before_destroy = true"), "{}", w.fix);
        assert!(
            !w.fix.contains("other_api"),
            "another API's resources stay out"
        );
        let text = w.render("tf-test", Path::new("terraform"));
        assert!(text.contains("points it back at deployment dep1"), "{text}");
        assert!(
            text.contains("add to aws_api_gateway_deployment.d:"),
            "{text}"
        );
    }

    #[test]
    fn a_stage_terraform_does_not_manage_gets_no_warning() {
        let resources = parse_show(SHOW).unwrap();
        assert_eq!(stage_warning(&resources, "abc", "prod"), None);
        assert_eq!(stage_warning(&resources, "other", "tf-test"), None);
        assert!(parse_show("not json").is_err());
    }

    #[test]
    fn the_terraform_folder_is_next_to_lambdeck_toml() {
        let root = tempfile::tempdir().unwrap();
        assert_eq!(find_dir(root.path()), None);
        std::fs::create_dir(root.path().join("terraform")).unwrap();
        std::fs::write(root.path().join("terraform/main.tf"), "").unwrap();
        assert_eq!(find_dir(root.path()), Some(root.path().join("terraform")));
        std::fs::write(root.path().join("stack.tf"), "").unwrap();
        assert_eq!(find_dir(root.path()), Some(root.path().to_path_buf()));
    }

    /// The tutorial's state, shaped as `terraform show -json` prints it (values trimmed).
    const TUTORIAL: &str = r#"{"format_version":"1.0","values":{"root_module":{"resources":[
      {"address":"aws_iam_role.lambda_role","mode":"managed","type":"aws_iam_role","name":"lambda_role","values":{"name":"tf-test-lambda-role","arn":"arn:aws:iam::000000000000:role/tf-test-lambda-role"}},
      {"address":"aws_lambda_function.hello_world","mode":"managed","type":"aws_lambda_function","name":"hello_world","values":{"function_name":"tf-test-node-hello-world","role":"arn:aws:iam::000000000000:role/tf-test-lambda-role","runtime":"nodejs14.x","handler":"index.handler","architectures":["x86_64"],"memory_size":256,"timeout":10}},
      {"address":"aws_api_gateway_rest_api.api","mode":"managed","type":"aws_api_gateway_rest_api","name":"api","values":{"id":"abc","name":"tf-test-to-lambda-node-api","root_resource_id":"root"}},
      {"address":"aws_api_gateway_resource.hello","mode":"managed","type":"aws_api_gateway_resource","name":"hello","values":{"id":"r1","rest_api_id":"abc","path":"/hello_world"}},
      {"address":"aws_api_gateway_method.hello","mode":"managed","type":"aws_api_gateway_method","name":"hello","values":{"id":"m1","rest_api_id":"abc","resource_id":"r1","http_method":"GET","authorization":"NONE","api_key_required":false}},
      {"address":"aws_api_gateway_integration.hello","mode":"managed","type":"aws_api_gateway_integration","name":"hello","values":{"id":"i1","rest_api_id":"abc","resource_id":"r1","http_method":"GET","type":"AWS_PROXY","uri":"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:tf-test-node-hello-world/invocations"}},
      {"address":"aws_api_gateway_method.options","mode":"managed","type":"aws_api_gateway_method","name":"options","values":{"id":"m2","rest_api_id":"abc","resource_id":"r1","http_method":"OPTIONS","authorization":"NONE"}},
      {"address":"aws_api_gateway_integration.options","mode":"managed","type":"aws_api_gateway_integration","name":"options","values":{"id":"i2","rest_api_id":"abc","resource_id":"r1","http_method":"OPTIONS","type":"MOCK"}},
      {"address":"aws_api_gateway_deployment.d","mode":"managed","type":"aws_api_gateway_deployment","name":"d","values":{"id":"dep1","rest_api_id":"abc"}},
      {"address":"aws_api_gateway_stage.s","mode":"managed","type":"aws_api_gateway_stage","name":"s","values":{"deployment_id":"dep1","rest_api_id":"abc","stage_name":"tf-test"}}
    ]}}}"#;

    #[test]
    fn the_state_names_the_function_api_stage_role_and_routes() {
        let resources = parse_show(TUTORIAL).unwrap();
        let r = resolve(&resources, Hints::default()).unwrap();
        let f = r.function.unwrap();
        assert_eq!(f.name, "tf-test-node-hello-world");
        assert_eq!(f.role.as_deref(), Some("tf-test-lambda-role"));
        assert_eq!(f.runtime.as_deref(), Some("nodejs14.x"));
        assert_eq!((f.memory_mb, f.timeout_s), (Some(256), Some(10)));
        assert_eq!(
            r.api,
            Some(("abc".to_owned(), "tf-test-to-lambda-node-api".to_owned()))
        );
        assert_eq!(r.stage.as_deref(), Some("tf-test"));
        // Only the Lambda proxy method is a route; the MOCK OPTIONS is not.
        assert_eq!(
            r.routes,
            [TfRoute {
                path: "/hello_world".into(),
                method: "GET".into(),
                authorization: "NONE".into(),
                api_key_required: false,
            }]
        );
        let state = TerraformState {
            dir: "terraform".into(),
            resources,
        };
        assert_eq!(state.deployment_ids("abc"), ["dep1"]);
        assert_eq!(
            state.address_where("aws_api_gateway_stage", "stage_name", "tf-test"),
            Some("aws_api_gateway_stage.s")
        );
    }

    #[test]
    fn two_stages_are_one_line_naming_the_key_and_a_named_one_wins() {
        let two = TUTORIAL.replace(
            r#"{"address":"aws_api_gateway_stage.s""#,
            r#"{"address":"aws_api_gateway_stage.prod","mode":"managed","type":"aws_api_gateway_stage","name":"prod","values":{"deployment_id":"dep1","rest_api_id":"abc","stage_name":"prod"}},
      {"address":"aws_api_gateway_stage.s""#,
        );
        let resources = parse_show(&two).unwrap();
        let err = resolve(&resources, Hints::default()).unwrap_err();
        assert!(err.contains("2 stages"), "{err}");
        assert!(err.contains("aws_api_gateway_stage.prod (prod)"), "{err}");
        assert!(err.contains("set api.stage in lambdeck.toml"), "{err}");
        assert!(!err.contains('\n'));
        let hints = Hints {
            stage: Some("prod"),
            ..Hints::default()
        };
        assert_eq!(
            resolve(&resources, hints).unwrap().stage.as_deref(),
            Some("prod")
        );
        // A name Terraform does not manage: nothing from the state for that piece.
        let hints = Hints {
            function: Some("other"),
            stage: Some("dev"),
            ..Hints::default()
        };
        let r = resolve(&resources, hints).unwrap();
        assert_eq!((r.function, r.stage), (None, None));
    }

    #[test]
    fn of_two_functions_the_one_the_api_calls_is_chosen() {
        let two = TUTORIAL.replace(
            r#"{"address":"aws_api_gateway_rest_api.api""#,
            r#"{"address":"aws_lambda_function.authorizer","mode":"managed","type":"aws_lambda_function","name":"authorizer","values":{"function_name":"auth"}},
      {"address":"aws_api_gateway_rest_api.api""#,
        );
        let resources = parse_show(&two).unwrap();
        let r = resolve(&resources, Hints::default()).unwrap();
        assert_eq!(r.function.unwrap().name, "tf-test-node-hello-world");
        // Without the API to tell them apart, lambdeck asks for the name.
        let no_api: Vec<TfResource> = resources
            .into_iter()
            .filter(|r| r.kind == "aws_lambda_function")
            .collect();
        let err = resolve(&no_api, Hints::default()).unwrap_err();
        assert!(err.contains("set function.name"), "{err}");
    }
}
