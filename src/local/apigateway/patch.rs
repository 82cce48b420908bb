//! PATCH operations as API Gateway applies them: paths are JSON pointers (`~1` is `/`, `~0` is `~`),
//! map members are addressed by key (`/requestTemplates/application~1json`), and each field accepts
//! only the operations AWS accepts for it.

use std::collections::BTreeMap;

use super::ops::Result;
use super::validation::Violations;
use super::wire::PatchOp;
use crate::local::common::RestJsonError;

/// The member key after `prefix` in a patch path, unescaped: `/requestTemplates/application~1json`
/// with prefix `/requestTemplates` is `application/json`. None when the path is not under `prefix`.
pub(super) fn key(op: &PatchOp, prefix: &str) -> Option<String> {
    let rest = op.path.strip_prefix(prefix)?.strip_prefix('/')?;
    (!rest.is_empty()).then(|| unescape(rest))
}

pub(super) fn unescape(s: &str) -> String {
    s.replace("~1", "/").replace("~0", "~")
}

/// `Invalid patch path /x`: the path is not one the resource has.
pub(super) fn bad_path(op: &PatchOp) -> RestJsonError {
    RestJsonError::bad_request(format!("Invalid patch path {}", op.path))
}

/// The path exists but not for this operation.
pub(super) fn bad_op(op: &PatchOp, allowed: &[&str]) -> RestJsonError {
    RestJsonError::bad_request(format!(
        "Invalid patch path  '{}' specified for op '{}'. Must be one of: [{}]",
        op.path,
        op.op,
        allowed.join(", ")
    ))
}

/// An operation this resource never accepts on that path (anything but `replace` on these elements).
pub(super) fn unsupported_op(op: &PatchOp) -> RestJsonError {
    RestJsonError::bad_request(format!(
        "Invalid patch path  '{}' specified for op '{}'. Please choose supported operations",
        op.path, op.op
    ))
}

/// Every operation name a patch may use; anything else is a validation error, as on AWS.
pub(super) fn check_ops(ops: &[PatchOp], input: &str) -> Result<()> {
    let mut v = Violations::new();
    v.patch_ops(ops.iter().map(|o| o.op.as_str()), input);
    v.check()
}

/// A string value a `replace` sets; empty or absent clears an optional field.
pub(super) fn optional(op: &PatchOp) -> Option<String> {
    op.value.clone().filter(|v| !v.is_empty())
}

/// A boolean as AWS reads one (Java's `Boolean.parseBoolean`): `true` in any case is true, and
/// anything else, a missing value included, is false (AWS's recorded answers take
/// `/apiKeyRequired` `whatever` and a `/validateRequestBody` without a value as false).
pub(super) fn boolean(op: &PatchOp) -> Result<bool> {
    Ok(op
        .value
        .as_deref()
        .is_some_and(|v| v.eq_ignore_ascii_case("true")))
}

/// Applies add / replace / remove to one member of a string map. `missing` is the error for a
/// replace or remove of a member that is not there.
pub(super) fn string_member(
    map: &mut BTreeMap<String, String>,
    op: &PatchOp,
    key: String,
    missing: impl Fn() -> RestJsonError,
) -> Result<()> {
    match op.op.as_str() {
        "add" => {
            map.insert(key, op.value.clone().unwrap_or_default());
            Ok(())
        }
        "replace" => {
            let slot = map.get_mut(&key).ok_or_else(missing)?;
            *slot = op.value.clone().unwrap_or_default();
            Ok(())
        }
        "remove" => map.remove(&key).map(|_| ()).ok_or_else(missing),
        _ => Err(bad_path(op)),
    }
}

/// Applies add / replace / remove to one member of a `name -> required` map; an add without a value
/// declares the member optional.
pub(super) fn flag_member(
    map: &mut BTreeMap<String, bool>,
    op: &PatchOp,
    key: String,
    missing: impl Fn() -> RestJsonError,
) -> Result<()> {
    match op.op.as_str() {
        "add" => {
            let required = match op.value.as_deref() {
                None | Some("") => false,
                Some(_) => boolean(op)?,
            };
            map.insert(key, required);
            Ok(())
        }
        "replace" => {
            let required = boolean(op)?;
            let slot = map.get_mut(&key).ok_or_else(missing)?;
            *slot = required;
            Ok(())
        }
        "remove" => map.remove(&key).map(|_| ()).ok_or_else(missing),
        _ => Err(bad_path(op)),
    }
}

/// Applies add / remove to one entry of a list named in the path (`/cacheKeyParameters/NAME`).
pub(super) fn list_member(list: &mut Vec<String>, op: &PatchOp, key: String) -> Result<()> {
    match op.op.as_str() {
        "add" => {
            if !list.contains(&key) {
                list.push(key);
            }
            Ok(())
        }
        "remove" => {
            list.retain(|k| *k != key);
            Ok(())
        }
        // replace /list/OLD with the value NEW: AWS removes OLD and appends NEW (its recorded
        // binaryMediaTypes go from [png, jpeg] to [jpeg, gif]).
        "replace" => {
            let new = op.value.clone().unwrap_or_default();
            list.retain(|k| *k != key);
            if !list.contains(&new) {
                list.push(new);
            }
            Ok(())
        }
        _ => Err(bad_path(op)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(op: &str, path: &str, value: Option<&str>) -> PatchOp {
        PatchOp {
            op: op.into(),
            path: path.into(),
            value: value.map(Into::into),
        }
    }

    #[test]
    fn keys_are_unescaped_json_pointers() {
        let o = op("add", "/requestTemplates/application~1json", Some("{}"));
        assert_eq!(
            key(&o, "/requestTemplates").as_deref(),
            Some("application/json")
        );
        assert_eq!(key(&o, "/requestParameters"), None);
        assert_eq!(
            key(&op("add", "/requestTemplates", None), "/requestTemplates"),
            None
        );
    }

    #[test]
    fn map_members_are_added_replaced_and_removed() {
        let mut m = BTreeMap::new();
        let missing = || RestJsonError::not_found("Invalid parameter name specified");
        let add = op("add", "/x/a", Some("1"));
        string_member(&mut m, &add, "a".into(), missing).unwrap();
        let replace = op("replace", "/x/a", Some("2"));
        string_member(&mut m, &replace, "a".into(), missing).unwrap();
        assert_eq!(m["a"], "2");
        let replace_missing = op("replace", "/x/b", Some("2"));
        assert!(string_member(&mut m, &replace_missing, "b".into(), missing).is_err());
        let remove = op("remove", "/x/a", None);
        string_member(&mut m, &remove, "a".into(), missing).unwrap();
        assert!(m.is_empty());
    }

    #[test]
    fn booleans_read_as_java_parses_them() {
        assert!(boolean(&op("replace", "/x", Some("TRUE"))).unwrap());
        assert!(!boolean(&op("replace", "/x", Some("whatever"))).unwrap());
        assert!(!boolean(&op("replace", "/x", None)).unwrap());
    }

    #[test]
    fn unknown_operations_are_validation_errors() {
        let err = check_ops(&[op("wrong", "/x", None)], "updateMethodInput").unwrap_err();
        assert_eq!(err.code, "ValidationException");
        assert!(err.message.starts_with("1 validation error detected"));
    }
}
