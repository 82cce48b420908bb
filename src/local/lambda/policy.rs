//! Lambda resource policies: how a statement added by AddPermission is evaluated when a service
//! (API Gateway) invokes the function.

use serde_json::Value;

use crate::wire::LOCAL_ACCOUNT_ID;

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
            .all(|a| *a == LOCAL_ACCOUNT_ID);
        allow && action && principal && arn_ok && account_ok
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

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
