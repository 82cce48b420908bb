//! Lambda's validation of function names, qualifiers and runtimes, with AWS's messages (as
//! LocalStack's AWS-validated snapshots record them): what a malformed value is refused with, before
//! any lookup.

use axum::http::StatusCode;

use crate::local::common::LambdaError;

type Result<T, E = LambdaError> = std::result::Result<T, E>;

/// The `functionName` pattern of reads, deletes and Invoke.
const READ_PATTERN: &str = r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?";
/// The `functionName` pattern of CreateFunction.
const CREATE_PATTERN: &str = r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?";
/// The `Qualifier` parameter's pattern.
const QUALIFIER_PATTERN: &str = r"\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+";

/// The runtimes Lambda accepts for new functions, in the order its message lists them.
const RUNTIMES: [&str; 25] = [
    "nodejs20.x",
    "python3.14",
    "provided.al2023",
    "python3.12",
    "python3.13",
    "nodejs24.x",
    "nodejs22.x",
    "java25",
    "python3.10",
    "python3.11",
    "java21",
    "ruby3.3",
    "ruby3.4",
    "ruby3.2",
    "python3.8",
    "python3.9",
    "java17",
    "nodejs16.x",
    "dotnet10",
    "dotnet8",
    "java11",
    "dotnet6",
    "nodejs18.x",
    "provided.al2",
    "java8.al2",
];

/// Runtimes Lambda no longer accepts for creating or updating functions.
const DEPRECATED: [&str; 20] = [
    "nodejs",
    "nodejs4.3",
    "nodejs4.3-edge",
    "nodejs6.10",
    "nodejs8.10",
    "nodejs10.x",
    "nodejs12.x",
    "nodejs14.x",
    "java8",
    "python2.7",
    "python3.6",
    "python3.7",
    "dotnetcore1.0",
    "dotnetcore2.0",
    "dotnetcore2.1",
    "dotnetcore3.1",
    "go1.x",
    "ruby2.5",
    "ruby2.7",
    "provided",
];

fn validation(message: String) -> LambdaError {
    LambdaError::new(StatusCode::BAD_REQUEST, "ValidationException", message)
}

fn is_name_char(c: char, dots: bool) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_' || (dots && c == '.')
}

/// `(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}`
pub(super) fn is_region(s: &str) -> bool {
    let s = s.strip_prefix("eusc-").unwrap_or(s);
    let tokens: Vec<&str> = s.split('-').collect();
    let lower = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_lowercase());
    let tail = |rest: &[&str]| matches!(rest, [area, digit] if lower(area) && digit.len() == 1 && digit.chars().all(|c| c.is_ascii_digit()));
    let Some((first, rest)) = tokens.split_first() else {
        return false;
    };
    if first.len() != 2 || !lower(first) {
        return false;
    }
    let partition = |t: &str| {
        t == "gov"
            || t.strip_prefix("iso")
                .is_some_and(|r| r.len() <= 1 && r.chars().all(|c| c.is_ascii_lowercase()))
    };
    tail(rest) || (rest.first().is_some_and(|t| partition(t)) && tail(&rest[1..]))
}

/// Whether `raw` matches Lambda's function-name pattern (for reads, or for CreateFunction).
fn matches_pattern(raw: &str, create: bool) -> bool {
    let mut parts: Vec<&str> = raw.split(':').collect();
    if parts.first() == Some(&"arn") {
        // arn:(aws[a-zA-Z-]*)?:lambda:
        let partition_ok = parts.get(1).is_some_and(|p| {
            p.is_empty()
                || p.strip_prefix("aws")
                    .is_some_and(|r| r.chars().all(|c| c.is_ascii_alphabetic() || c == '-'))
        });
        if parts.len() < 4 || !partition_ok || parts[2] != "lambda" {
            return false;
        }
        parts.drain(..3);
    }
    let name_ok = |n: &str| !n.is_empty() && n.chars().all(|c| is_name_char(c, !create));
    let qualifier_ok = |q: &str| {
        q == "$LATEST"
            || (!create && q == "$LATEST.PUBLISHED")
            || (!q.is_empty() && q.chars().all(|c| is_name_char(c, false)))
    };
    // Optional region, account and `function` prefixes, then a name and an optional qualifier: try
    // each combination of the optional parts, as the regular expression would.
    for mask in 0..8u8 {
        let mut rest = parts.as_slice();
        let mut ok = true;
        for (bit, check) in [
            (1u8, &is_region as &dyn Fn(&str) -> bool),
            (2, &|s: &str| {
                s.len() == 12 && s.chars().all(|c| c.is_ascii_digit())
            }),
            (4, &|s: &str| s == "function"),
        ] {
            if mask & bit != 0 {
                match rest.split_first() {
                    Some((p, r)) if check(p) => rest = r,
                    _ => {
                        ok = false;
                        break;
                    }
                }
            }
        }
        if !ok {
            continue;
        }
        let fits = match rest {
            [name] => name_ok(name),
            [name, q] => name_ok(name) && qualifier_ok(q),
            _ => false,
        };
        if fits {
            return true;
        }
    }
    false
}

/// A read's (GetFunction, DeleteFunction, Invoke, ...) function name and `Qualifier` parameter.
pub fn check_function_ref(raw: &str, qualifier: Option<&str>) -> Result<()> {
    if !matches_pattern(raw, false) {
        return Err(validation(format!(
            "1 validation error detected: Value '{raw}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: {READ_PATTERN}"
        )));
    }
    if let Some(q) = qualifier {
        if q.len() > 128 {
            return Err(validation(format!(
                "1 validation error detected: Value '{q}' at 'qualifier' failed to satisfy constraint: Member must have length less than or equal to 128"
            )));
        }
        let valid = q == "$LATEST"
            || q == "$LATEST.PUBLISHED"
            || (!q.is_empty() && q.chars().all(|c| is_name_char(c, false) || c == '$'));
        if !valid {
            return Err(validation(format!(
                "1 validation error detected: Value '{q}' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: {QUALIFIER_PATTERN}"
            )));
        }
        let derived = raw
            .find("function:")
            .map_or(raw, |i| &raw[i + "function:".len()..])
            .split_once(':')
            .map(|(_, d)| d);
        if derived.is_some_and(|d| d != q) {
            return Err(LambdaError::invalid(
                "The derived qualifier from the function name does not match the specified qualifier.",
            ));
        }
    }
    Ok(())
}

/// CreateFunction's function name: its own pattern, at most 140 characters, and a plain name at
/// most 64.
pub fn check_new_function_name(raw: &str) -> Result<()> {
    if raw.len() > 140 {
        return Err(validation(format!(
            "1 validation error detected: Value '{raw}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 140"
        )));
    }
    if !matches_pattern(raw, true) {
        return Err(validation(format!(
            "1 validation error detected: Value '{raw}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: {CREATE_PATTERN}"
        )));
    }
    if !raw.contains(':') && raw.len() > 64 {
        return Err(LambdaError::new(
            StatusCode::BAD_REQUEST,
            "InvalidParameterValueException",
            format!(
                "1 validation error detected: Value '{raw}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64"
            ),
        ));
    }
    Ok(())
}

/// A runtime for a new or updated function: known, and not deprecated.
pub fn check_runtime(runtime: &str) -> Result<()> {
    if DEPRECATED.contains(&runtime) {
        return Err(LambdaError::invalid(format!(
            "The runtime parameter of {runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions."
        )));
    }
    if !RUNTIMES.contains(&runtime) {
        return Err(LambdaError::invalid(format!(
            "Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [{}] or be a valid ARN",
            RUNTIMES.join(", ")
        )));
    }
    Ok(())
}

/// The `role` pattern: `arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+`.
pub fn check_role(role: &str) -> Result<()> {
    let parts: Vec<&str> = role.splitn(6, ':').collect();
    let valid = match parts.as_slice() {
        ["arn", partition, "iam", "", account, resource] => {
            (partition.is_empty()
                || partition
                    .strip_prefix("aws")
                    .is_some_and(|r| r.chars().all(|c| c.is_ascii_alphabetic() || c == '-')))
                && account.len() == 12
                && account.chars().all(|c| c.is_ascii_digit())
                && resource.strip_prefix("role").is_some_and(|r| {
                    let r = r.strip_prefix('/').unwrap_or(r);
                    !r.is_empty()
                        && r.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-/".contains(c))
                })
        }
        _ => false,
    };
    if valid {
        return Ok(());
    }
    Err(validation(format!(
        "1 validation error detected: Value '{role}' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{{12}}:role/?[a-zA-Z_0-9+=,.@\\-_/]+"
    )))
}

/// `Architectures`: at most one, `x86_64` or `arm64`.
pub fn check_architectures(architectures: &[String]) -> Result<()> {
    let listed = format!("[{}]", architectures.join(", "));
    if architectures.len() > 1 {
        return Err(validation(format!(
            "1 validation error detected: Value '{listed}' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1"
        )));
    }
    if architectures.iter().any(|a| a != "x86_64" && a != "arm64") {
        return Err(validation(format!(
            "1 validation error detected: Value '{listed}' at 'architectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]"
        )));
    }
    Ok(())
}

/// A full function ARN names its region: a call signed for another region cannot reach it. A
/// malformed name is left to the call's own validation, which AWS reports first.
pub fn check_region(raw: &str, region: &str) -> Result<()> {
    let mut parts = raw.split(':');
    if parts.next() != Some("arn") || !matches_pattern(raw, false) {
        return Ok(());
    }
    match parts.nth(2) {
        Some(named) if !named.is_empty() && named != region => Err(LambdaError::not_found(
            format!("Functions from '{named}' are not reachable in this region ('{region}')"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_architectures_and_regions_are_checked_as_aws_records() {
        assert!(check_role("arn:aws:iam::000000000000:role/lambda-role").is_ok());
        let e = check_role("r1").unwrap_err();
        assert_eq!(e.code, "ValidationException");
        assert_eq!(
            e.message,
            r"1 validation error detected: Value 'r1' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+"
        );
        let two = check_architectures(&["x86_64".into(), "arm64".into()]).unwrap_err();
        assert_eq!(
            two.message,
            "1 validation error detected: Value '[x86_64, arm64]' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1"
        );
        let upper = check_architectures(&["X86_64".into()]).unwrap_err();
        assert_eq!(
            upper.message,
            "1 validation error detected: Value '[X86_64]' at 'architectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]"
        );
        let far = check_region(
            "arn:aws:lambda:eu-central-1:000000000000:function:f",
            "us-east-1",
        )
        .unwrap_err();
        assert_eq!(far.code, "ResourceNotFoundException");
        assert_eq!(
            far.message,
            "Functions from 'eu-central-1' are not reachable in this region ('us-east-1')"
        );
        assert!(
            check_region(
                "arn:aws:lambda:us-east-1:000000000000:function:f",
                "us-east-1"
            )
            .is_ok()
        );
        assert!(check_region("f", "us-east-1").is_ok());
    }

    #[test]
    fn function_names_follow_lambdas_pattern() {
        for ok in [
            "f",
            "my.function",
            "f:1",
            "f:$LATEST",
            "f:live",
            "function:f",
            "000000000000:function:f",
            "000000000000:f",
            "us-east-1:000000000000:function:f:2",
            "arn:aws:lambda:us-east-1:000000000000:function:f",
            "arn:aws-us-gov:lambda:us-gov-west-1:000000000000:function:f:live",
            "arn:aws:lambda:us-isob-east-1:000000000000:function:f",
            "arn:aws:lambda:us-east-1:000000000000:function",
        ] {
            assert!(matches_pattern(ok, false), "{ok}");
        }
        for bad in [
            "*",
            "f!",
            "invalid-account:function:f",
            "arn:aws:lambda:invalid-region:000000000000:function:f",
            "arn:aws:lambda::000000000000:function:f",
            "arn:aws:lambda:us-east-1::function:f",
            "arn:aws:lambda:us-east-1:000000000000:function:f:1:2",
            "function:f:$LATEST:extra",
            "f:$LATES",
            "arn:aws:ec2:us-east-1:000000000000:instance:i-1",
            "",
        ] {
            assert!(!matches_pattern(bad, false), "{bad}");
        }
        assert!(!matches_pattern("my.function", true));
        assert!(matches_pattern("f:$LATEST.PUBLISHED", false));
        assert!(!matches_pattern("f:$LATEST.PUBLISHED", true));
    }
}
