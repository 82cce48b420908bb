//! AWS-shaped errors, one type per wire protocol, so every SDK classifies them as it does against AWS.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The header every AWS protocol uses to name an error's type.
pub const ERROR_TYPE_HEADER: &str = "x-amzn-ErrorType";

fn json_response(status: StatusCode, code: &str, body: impl Serialize) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(code) {
        response.headers_mut().insert(ERROR_TYPE_HEADER, value);
    }
    response
}

/// `{"message": "..."}`: API Gateway's error body, and the body of its stage errors.
#[derive(Debug, Clone, Serialize)]
pub struct MessageBody<'a> {
    pub message: &'a str,
}

/// `{"Type": "User", "Message" | "message": "..."}`: Lambda's error body (a size refusal carries only
/// `Message`).
#[derive(Debug, Clone, Serialize)]
struct LambdaBody<'a> {
    #[serde(rename = "Type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    #[serde(rename = "Message", skip_serializing_if = "Option::is_none")]
    message_capitalized: Option<&'a str>,
}

/// `{"__type": "<Name>", "message": "..."}`: the awsJson error body.
#[derive(Debug, Clone, Serialize)]
struct AwsJsonBody<'a> {
    #[serde(rename = "__type")]
    kind: &'static str,
    message: &'a str,
}

/// API Gateway (rest-json): `x-amzn-ErrorType: <Name>` and `{"message": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct RestJsonError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl RestJsonError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NotFoundException", message)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequestException", message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "ConflictException", message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ServiceUnavailableException",
            message,
        )
    }
}

impl IntoResponse for RestJsonError {
    fn into_response(self) -> Response {
        json_response(
            self.status,
            self.code,
            MessageBody {
                message: &self.message,
            },
        )
    }
}

/// Lambda (rest-json): `x-amzn-ErrorType` and `{"Type":"User","Message":"..."}`; the model names the
/// member `message` for some errors (conflicts), `Message` for others (not found).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct LambdaError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Whether the model spells the member `message` (lowercase) for this error.
    lowercase: bool,
    /// Whether the body names the error's `Type` (`User`); AWS's size refusals do not.
    typed: bool,
}

impl LambdaError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            lowercase: false,
            typed: true,
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "ResourceNotFoundException", message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self {
            lowercase: true,
            ..Self::new(StatusCode::CONFLICT, "ResourceConflictException", message)
        }
    }

    /// A RevisionId that is not the current one (the model spells the member `message`).
    pub fn precondition_failed(message: impl Into<String>) -> Self {
        Self {
            lowercase: true,
            ..Self::new(
                StatusCode::PRECONDITION_FAILED,
                "PreconditionFailedException",
                message,
            )
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self {
            lowercase: true,
            ..Self::new(
                StatusCode::BAD_REQUEST,
                "InvalidParameterValueException",
                message,
            )
        }
    }

    /// 413: AWS's recorded body is `{"Message": "..."}` alone.
    pub fn too_large(message: impl Into<String>) -> Self {
        Self {
            typed: false,
            ..Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestEntityTooLargeException",
                message,
            )
        }
    }

    pub fn service(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ServiceException",
            message,
        )
    }
}

impl IntoResponse for LambdaError {
    fn into_response(self) -> Response {
        let kind = self.typed.then_some("User");
        let body = if self.lowercase {
            LambdaBody {
                kind,
                message: Some(&self.message),
                message_capitalized: None,
            }
        } else {
            LambdaBody {
                kind,
                message: None,
                message_capitalized: Some(&self.message),
            }
        };
        json_response(self.status, self.code, body)
    }
}

/// CloudWatch Logs (awsJson1.1): HTTP 400 and `{"__type":"<Name>","message":"..."}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AwsJsonError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl AwsJsonError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new("ResourceNotFoundException", message)
    }

    pub fn already_exists(message: impl Into<String>) -> Self {
        Self::new("ResourceAlreadyExistsException", message)
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new("InvalidParameterException", message)
    }

    pub fn unknown_operation(op: &str) -> Self {
        Self::new(
            "UnknownOperationException",
            format!("Operation {op} is not supported by the lambdeck local stack"),
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            ..Self::new("ServiceUnavailableException", message)
        }
    }
}

impl IntoResponse for AwsJsonError {
    fn into_response(self) -> Response {
        json_response(
            self.status,
            self.code,
            AwsJsonBody {
                kind: self.code,
                message: &self.message,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(response: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn each_protocol_has_its_shape() {
        let r = RestJsonError::not_found("Invalid stage identifier specified").into_response();
        assert_eq!(r.status(), 404);
        assert_eq!(r.headers()[ERROR_TYPE_HEADER], "NotFoundException");
        assert_eq!(
            body(r).await,
            serde_json::json!({"message": "Invalid stage identifier specified"})
        );

        let r = LambdaError::not_found("Function not found: x").into_response();
        assert_eq!(
            body(r).await,
            serde_json::json!({"Type": "User", "Message": "Function not found: x"})
        );
        let r = LambdaError::conflict("exists").into_response();
        assert_eq!(r.status(), 409);
        assert_eq!(
            body(r).await,
            serde_json::json!({"Type": "User", "message": "exists"})
        );

        let r = AwsJsonError::not_found("The specified log group does not exist.").into_response();
        assert_eq!(r.status(), 400);
        assert_eq!(
            body(r).await,
            serde_json::json!({"__type": "ResourceNotFoundException", "message": "The specified log group does not exist."})
        );
    }
}
