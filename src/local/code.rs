//! Function code packages: checks an uploaded zip as Lambda does, and unpacks it privately.

use std::path::Path;

/// What Lambda reports about a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeInfo {
    /// base64 of the SHA-256 of the zip bytes (Lambda's CodeSha256).
    pub sha256: String,
    /// Length of the zip in bytes (Lambda's CodeSize).
    pub size: u64,
}

/// Why a package is refused, mapped by the Lambda API to its wire error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// 400 InvalidParameterValueException: not a zip, too large unzipped, an entry escaping the root.
    #[error("{0}")]
    Invalid(String),
    /// 413 RequestEntityTooLargeException: over the 50 MB direct-upload limit.
    #[error("{0}")]
    TooLarge(String),
}

/// Checks a package: a readable zip, within the size limits, with no entry escaping its directory.
pub fn inspect(_zip: &[u8]) -> Result<CodeInfo, CodeError> {
    Err(CodeError::Invalid(
        "package checks are not implemented yet".into(),
    ))
}

/// Unpacks a checked package into `dir`, keeping executable bits.
pub fn unpack(_zip: &[u8], _dir: &Path) -> Result<(), CodeError> {
    Err(CodeError::Invalid(
        "unpacking is not implemented yet".into(),
    ))
}
