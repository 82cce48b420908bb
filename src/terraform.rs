//! A stack Terraform manages, found next to lambdeck.toml (`*.tf` files in its folder or in a
//! `terraform/` folder beside it) and read with `terraform show -json`: after lambdeck moves a stage
//! Terraform owns, it says what the next `terraform apply` will do and prints the `triggers` +
//! `create_before_destroy` fix for the configuration, ready to paste.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// One resource of Terraform's state.
#[derive(Debug, Clone, PartialEq)]
pub struct TfResource {
    /// `aws_api_gateway_stage.hello_world` (module resources keep their `module.x.` prefix).
    pub address: String,
    /// `aws_api_gateway_stage`.
    pub kind: String,
    pub values: Value,
}

impl TfResource {
    fn value(&self, key: &str) -> Option<&str> {
        self.values.get(key).and_then(Value::as_str)
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

/// After lambdeck moved a stage: the warning to print when the project's Terraform manages it.
/// Silent (None) when there is no Terraform folder, no `terraform` binary, or the stage is not in its
/// state; a state that cannot be read is said in one line.
pub fn after_stage_change(root: &Path, api_id: &str, stage_name: &str) -> Option<String> {
    let dir = find_dir(root)?;
    match read_state(&dir) {
        Ok(resources) => {
            stage_warning(&resources, api_id, stage_name).map(|w| w.render(stage_name, &dir))
        }
        Err(e) if e.starts_with("cannot run terraform") => None,
        Err(e) => Some(format!(
            "note: {} looks like Terraform's folder, but its state could not be read ({e}); if Terraform manages stage {stage_name}, the next `terraform apply` points it back at the deployment in its state",
            dir.display()
        )),
    }
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
}
