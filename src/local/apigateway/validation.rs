//! The model-level validation AWS runs before an operation: every constraint a request breaks is
//! collected, then reported at once as one `ValidationException` ("2 validation errors detected:
//! ...; ..."), in the order AWS's recorded answers list them.

use axum::http::StatusCode;

use super::ops::Result;
use crate::local::common::RestJsonError;

/// The constraint violations found so far.
#[derive(Debug, Default)]
pub(super) struct Violations(Vec<String>);

impl Violations {
    pub(super) fn new() -> Self {
        Self::default()
    }

    /// `value` at `at` must be one of `allowed` (listed in AWS's order for that member).
    pub(super) fn one_of(&mut self, value: &str, at: &str, allowed: &[&str]) {
        if !allowed.contains(&value) {
            self.0.push(format!(
                "Value '{value}' at '{at}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                allowed.join(", ")
            ));
        }
    }

    /// A violation worded by the caller (`Value 'x' at 'y' failed to satisfy constraint: ...`).
    pub(super) fn push(&mut self, violation: String) {
        self.0.push(violation);
    }

    /// Every patch operation's `op` must be one of JSON Patch's six.
    pub(super) fn patch_ops<'a>(&mut self, ops: impl Iterator<Item = &'a str>, input: &str) {
        for (i, op) in ops.enumerate() {
            self.one_of(
                op,
                &format!("{input}.patchOperations.{}.member.op", i + 1),
                &["add", "remove", "move", "test", "replace", "copy"],
            );
        }
    }

    /// Ok when nothing was violated, else the one `ValidationException` listing them all.
    pub(super) fn check(self) -> Result<()> {
        let n = self.0.len();
        if n == 0 {
            return Ok(());
        }
        Err(RestJsonError::new(
            StatusCode::BAD_REQUEST,
            "ValidationException",
            format!(
                "{n} validation error{} detected: {}",
                if n == 1 { "" } else { "s" },
                self.0.join("; ")
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_violations_are_reported_at_once_in_order() {
        let mut v = Violations::new();
        v.patch_ops(["wrong_op", "replace", "bad"].into_iter(), "updateX");
        v.one_of("ok", "type", &["ok"]);
        v.push("Value 'wrong' at 'statusCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [1-5]\\d\\d".into());
        let e = v.check().unwrap_err();
        assert_eq!(e.code, "ValidationException");
        assert_eq!(
            e.message,
            "3 validation errors detected: Value 'wrong_op' at 'updateX.patchOperations.1.member.op' failed to satisfy constraint: Member must satisfy enum value set: [add, remove, move, test, replace, copy]; Value 'bad' at 'updateX.patchOperations.3.member.op' failed to satisfy constraint: Member must satisfy enum value set: [add, remove, move, test, replace, copy]; Value 'wrong' at 'statusCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [1-5]\\d\\d"
        );
        assert!(Violations::new().check().is_ok());
    }
}
