//! Every AWS failure, classified into a kind the UI can explain, printed as one actionable line that
//! names the operation and the resource.

use std::error::Error as StdError;
use std::fmt;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// What went wrong, in terms a user can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    NotFound,
    AccessDenied,
    /// Missing, invalid or expired credentials.
    Credentials,
    Throttled,
    /// The endpoint could not be reached (DNS, refused, timeout).
    Unreachable,
    /// The service refused the request as invalid.
    Validation,
    /// The resource already exists or is in a conflicting state.
    Conflict,
    /// The response could not be understood.
    Malformed,
    /// Any other service-side failure.
    Service,
    /// The target cannot be configured as given (no region, a bad endpoint URL): nothing was sent.
    Configuration,
}

impl ErrorKind {
    fn describe(self) -> &'static str {
        match self {
            Self::NotFound => "not found",
            Self::AccessDenied => "access denied",
            Self::Credentials => "credentials missing, invalid or expired",
            Self::Throttled => "throttled (retries exhausted)",
            Self::Unreachable => "endpoint unreachable",
            Self::Validation => "rejected as invalid",
            Self::Conflict => "conflict",
            Self::Malformed => "malformed response",
            Self::Service => "service error",
            Self::Configuration => "cannot be configured",
        }
    }

    fn hint(self) -> Option<&'static str> {
        match self {
            Self::AccessDenied => Some("check the IAM permissions of the credentials in use"),
            Self::Credentials => {
                Some("set AWS credentials (aws configure, aws sso login, --profile) or use --local")
            }
            Self::Throttled => Some("wait a moment and try again"),
            Self::Unreachable => {
                Some("check the network, --endpoint-url and --region, or use --local")
            }
            _ => None,
        }
    }
}

/// A classified AWS failure: `{operation} {resource}: {kind} ({code}: {message}); {hint}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    pub kind: ErrorKind,
    /// The API operation, e.g. "GetRestApis".
    pub operation: &'static str,
    /// The resource it was about, e.g. "rest api tf-test-to-lambda-rust-api".
    pub resource: String,
    /// The service's error code, when it sent one.
    pub code: Option<String>,
    /// The service's message, or the transport failure, on one line.
    pub message: String,
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.operation)?;
        if !self.resource.is_empty() {
            write!(f, " {}", self.resource)?;
        }
        write!(f, ": {}", self.kind.describe())?;
        match (&self.code, self.message.is_empty()) {
            (Some(code), false) => write!(f, " ({code}: {})", self.message)?,
            (Some(code), true) => write!(f, " ({code})")?,
            (None, false) => write!(f, " ({})", self.message)?,
            (None, true) => {}
        }
        if let Some(hint) = self.kind.hint() {
            write!(f, "; {hint}")?;
        }
        Ok(())
    }
}

impl StdError for AwsError {}

impl AwsError {
    /// Classifies an SDK error from `operation` on `resource`.
    pub fn from_sdk<E>(
        operation: &'static str,
        resource: impl Into<String>,
        err: SdkError<E, HttpResponse>,
    ) -> Self
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    {
        let resource = resource.into();
        let (kind, code, message) = match &err {
            SdkError::ServiceError(service) => {
                let status = service.raw().status().as_u16();
                let code = service.err().code().map(ToOwned::to_owned);
                let message = service.err().message().unwrap_or_default().to_owned();
                (classify(code.as_deref(), status, &message), code, message)
            }
            SdkError::TimeoutError(_) => (ErrorKind::Unreachable, None, "timed out".to_owned()),
            SdkError::DispatchFailure(dispatch) => {
                let text = chain(&err);
                if mentions_credentials(&text) {
                    return Self::credentials(operation, resource, &text);
                }
                let kind = if dispatch.is_io() || dispatch.is_timeout() {
                    ErrorKind::Unreachable
                } else if dispatch.is_user() {
                    ErrorKind::Validation
                } else {
                    ErrorKind::Unreachable
                };
                (kind, None, text)
            }
            SdkError::ResponseError(_) => (ErrorKind::Malformed, None, chain(&err)),
            SdkError::ConstructionFailure(_) => {
                let text = chain(&err);
                if mentions_credentials(&text) {
                    return Self::credentials(operation, resource, &text);
                }
                let kind = ErrorKind::Validation;
                (kind, None, text)
            }
            _ => (ErrorKind::Service, None, chain(&err)),
        };
        Self {
            kind,
            operation,
            resource,
            code,
            message: one_line(&message),
        }
    }

    /// The credential chain found nothing, or a provider failed. The chain's own text lists every
    /// provider it tried on one very long line; when nothing was found that list says less than a plain
    /// sentence, so it is replaced. A specific failure (an expired SSO session, a bad profile) is kept.
    fn credentials(operation: &'static str, resource: String, text: &str) -> Self {
        let lower = text.to_ascii_lowercase();
        let message = if lower.contains("no credentials found in chain") || lower.contains("imds") {
            "none found in the environment, the shared config and credentials files, SSO, or container \
             and instance metadata"
                .to_owned()
        } else {
            one_line(text)
        };
        Self {
            kind: ErrorKind::Credentials,
            operation,
            resource,
            code: None,
            message,
        }
    }

    /// No region from flags, lambdeck.toml, environment or profile.
    pub fn missing_region() -> Self {
        Self::configuration(
            "no AWS region: pass --region, set region in lambdeck.toml or AWS_REGION, or use --local",
        )
    }

    /// The target cannot be configured as given (region, endpoint URL): a usage error, not an AWS failure.
    pub fn configuration(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Configuration,
            operation: "configure",
            resource: String::new(),
            code: None,
            message: message.into(),
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.kind == ErrorKind::NotFound
    }
}

fn classify(code: Option<&str>, status: u16, message: &str) -> ErrorKind {
    match code.unwrap_or_default() {
        "NotFoundException" | "ResourceNotFoundException" | "NoSuchEntity" => ErrorKind::NotFound,
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" => {
            ErrorKind::AccessDenied
        }
        "UnauthorizedException" if message.contains("token") => ErrorKind::Credentials,
        "UnauthorizedException" => ErrorKind::AccessDenied,
        "ExpiredToken"
        | "ExpiredTokenException"
        | "InvalidClientTokenId"
        | "UnrecognizedClientException"
        | "InvalidSignatureException"
        | "SignatureDoesNotMatch"
        | "MissingAuthenticationToken"
        | "IncompleteSignature" => ErrorKind::Credentials,
        "Throttling"
        | "ThrottlingException"
        | "TooManyRequestsException"
        | "RequestLimitExceeded"
        | "ThrottledException" => ErrorKind::Throttled,
        "BadRequestException"
        | "ValidationException"
        | "InvalidParameterValueException"
        | "InvalidParameterException"
        | "InvalidRequestContentException"
        | "MalformedPolicyDocument"
        | "RequestEntityTooLargeException"
        | "CodeStorageExceededException" => ErrorKind::Validation,
        "ConflictException"
        | "ResourceConflictException"
        | "ResourceAlreadyExistsException"
        | "EntityAlreadyExists"
        | "ResourceInUseException" => ErrorKind::Conflict,
        _ => match status {
            404 => ErrorKind::NotFound,
            401 => ErrorKind::Credentials,
            403 => ErrorKind::AccessDenied,
            429 => ErrorKind::Throttled,
            400 | 413 | 422 => ErrorKind::Validation,
            409 => ErrorKind::Conflict,
            _ => ErrorKind::Service,
        },
    }
}

fn mentions_credentials(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("credential")
        || lower.contains("no matching auth scheme")
        || lower.contains("token")
}

/// The error and its sources, joined on one line, without Debug output.
fn chain(err: &dyn StdError) -> String {
    // Some SDK messages embed the whole request in Debug form; what precedes it says enough.
    let readable = |mut text: String| {
        if let Some(i) = text.find(" to request `Request {") {
            text.truncate(i);
        }
        text
    };
    let mut parts = vec![readable(err.to_string())];
    let mut source = err.source();
    while let Some(s) = source {
        let text = readable(s.to_string());
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_codes_map_to_kinds() {
        assert_eq!(
            classify(Some("NotFoundException"), 404, ""),
            ErrorKind::NotFound
        );
        assert_eq!(
            classify(Some("ResourceNotFoundException"), 400, ""),
            ErrorKind::NotFound
        );
        assert_eq!(
            classify(Some("ExpiredTokenException"), 403, ""),
            ErrorKind::Credentials
        );
        assert_eq!(
            classify(Some("TooManyRequestsException"), 429, ""),
            ErrorKind::Throttled
        );
        assert_eq!(
            classify(Some("ThrottlingException"), 400, ""),
            ErrorKind::Throttled
        );
        assert_eq!(
            classify(Some("AccessDeniedException"), 403, ""),
            ErrorKind::AccessDenied
        );
        assert_eq!(
            classify(
                Some("UnauthorizedException"),
                401,
                "The security token included in the request is invalid"
            ),
            ErrorKind::Credentials
        );
        assert_eq!(
            classify(Some("BadRequestException"), 400, ""),
            ErrorKind::Validation
        );
        assert_eq!(
            classify(Some("ResourceConflictException"), 409, ""),
            ErrorKind::Conflict
        );
    }

    #[test]
    fn unknown_codes_fall_back_to_the_status() {
        assert_eq!(classify(None, 404, ""), ErrorKind::NotFound);
        assert_eq!(classify(Some("Weird"), 429, ""), ErrorKind::Throttled);
        assert_eq!(classify(None, 503, ""), ErrorKind::Service);
    }

    #[test]
    fn display_is_one_actionable_line() {
        let err = AwsError {
            kind: ErrorKind::AccessDenied,
            operation: "GetRestApis",
            resource: "rest api tf-test".into(),
            code: Some("AccessDeniedException".into()),
            message: "User is not authorized".into(),
        };
        assert_eq!(
            err.to_string(),
            "GetRestApis rest api tf-test: access denied (AccessDeniedException: User is not authorized); \
             check the IAM permissions of the credentials in use"
        );
        assert_eq!(one_line("a\n  b\tc"), "a b c");
    }
}
