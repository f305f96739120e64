//! The one place that maps errors to HTTP: every failure a handler can meet is an `ApiError`, and
//! its `IntoResponse` writes Confluent's status, `error_code` and (where Confluent has a fixed
//! text) Confluent's message, because clients match on codes and people paste messages.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use schemata_core::api::{CONTENT_TYPE, ErrorBody, codes};

/// Every error answer of the API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    #[error("Subject '{0}' not found.")]
    SubjectNotFound(String),
    #[error("Version {0} not found.")]
    VersionNotFound(String),
    #[error("Schema {0} not found")]
    SchemaNotFound(String),
    #[error("Schema not found")]
    SchemaNotFoundInSubject,
    /// A schema context no record and no subject names (`DELETE /contexts/{context}`).
    #[error("Context '{0}' not found")]
    ContextNotFound(String),
    #[error("Subject '{0}' was soft deleted.Set permanent=true to delete permanently")]
    SubjectSoftDeleted(String),
    #[error("Subject '{0}' was not deleted first before being permanently deleted")]
    SubjectNotSoftDeleted(String),
    #[error("Subject '{0}' Version {1} was soft deleted.Set permanent=true to delete permanently")]
    VersionSoftDeleted(String, u32),
    #[error("Subject '{0}' Version {1} was not deleted first before being permanently deleted")]
    VersionNotSoftDeleted(String, u32),
    #[error("Subject '{0}' does not have subject-level compatibility configured")]
    SubjectConfigNotConfigured(String),
    #[error("Subject '{0}' does not have subject-level mode configured")]
    SubjectModeNotConfigured(String),
    /// The whole message, listing every incompatibility.
    #[error("{0}")]
    Incompatible(String),
    #[error("{0}")]
    InvalidSchema(String),
    #[error(
        "The specified version '{0}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\""
    )]
    InvalidVersion(String),
    #[error(
        "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive"
    )]
    InvalidCompatibilityLevel,
    #[error("Invalid JSON policy '{0}'. Valid values are STRICT and LENIENT")]
    InvalidJsonPolicy(String),
    #[error("Invalid mode. Valid values are READWRITE, READONLY, IMPORT: '{0}'")]
    InvalidMode(String),
    #[error("{0}")]
    NotPermitted(String),
    #[error("{0}")]
    ReferenceExists(String),
    #[error("{0}")]
    IdMismatch(String),
    #[error("The specified subject is not valid.")]
    InvalidSubject,
    #[error("{0}")]
    SchemaTooLarge(String),
    /// A rule set Confluent's `RuleSet.validate` refuses (42210).
    #[error("{0}")]
    InvalidRuleSet(String),
    #[error("Request body is larger than the limit of {0} bytes")]
    BodyTooLarge(usize),
    /// Syntactically broken JSON body (Jackson's parse error: 400).
    #[error("{0}")]
    MalformedJson(String),
    /// Well-formed JSON of the wrong shape (Jackson's mapping error: 422).
    #[error("{0}")]
    UnprocessableBody(String),
    #[error("{0}")]
    BadParameter(String),
    #[error("HTTP 404 Not Found")]
    NotFound,
    #[error("HTTP 405 Method Not Allowed")]
    MethodNotAllowed,
    #[error("Error in the backend datastore: {0}")]
    Store(String),
    #[error("Operation timed out")]
    Timeout,
    /// A parse or check needed more work than `max_check_steps` allows (core's budget).
    #[error("{0}")]
    BudgetExceeded(String),
    /// The request body did not arrive within `body_read_timeout_ms`.
    #[error("Request body was not received in time")]
    BodyTimeout,
    /// More parses and checks in flight than `max_concurrent_checks`.
    #[error("Too many schema checks in progress; retry later")]
    Overloaded,
    #[error("The registry is shutting down")]
    Unavailable,
    /// No credentials, or wrong ones (the caller learns nothing about which).
    #[error("Unauthorized")]
    Unauthenticated,
    /// Authenticated, but the rules do not allow the operation.
    #[error("{0}")]
    Forbidden(String),
    /// A follower could not reach the leader it forwards a write to.
    #[error("Error while forwarding the request to the leader: {0}")]
    Forwarding(String),
    /// No instance holds the lease (or this one was asked by another to write and does not).
    #[error("Leader not known.")]
    LeaderUnknown,
}

impl ApiError {
    /// HTTP status and Confluent error code.
    pub fn status_and_code(&self) -> (StatusCode, i32) {
        use ApiError::*;
        match self {
            SubjectNotFound(_) => (StatusCode::NOT_FOUND, codes::SUBJECT_NOT_FOUND),
            VersionNotFound(_) => (StatusCode::NOT_FOUND, codes::VERSION_NOT_FOUND),
            SchemaNotFound(_) | SchemaNotFoundInSubject => {
                (StatusCode::NOT_FOUND, codes::SCHEMA_NOT_FOUND)
            }
            SubjectSoftDeleted(_) => (StatusCode::NOT_FOUND, codes::SUBJECT_SOFT_DELETED),
            SubjectNotSoftDeleted(_) => (StatusCode::NOT_FOUND, codes::SUBJECT_NOT_SOFT_DELETED),
            VersionSoftDeleted(..) => (StatusCode::NOT_FOUND, codes::SCHEMA_VERSION_SOFT_DELETED),
            VersionNotSoftDeleted(..) => {
                (StatusCode::NOT_FOUND, codes::SCHEMA_VERSION_NOT_SOFT_DELETED)
            }
            SubjectConfigNotConfigured(_) => {
                (StatusCode::NOT_FOUND, codes::SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED)
            }
            SubjectModeNotConfigured(_) => {
                (StatusCode::NOT_FOUND, codes::SUBJECT_LEVEL_MODE_NOT_CONFIGURED)
            }
            Incompatible(_) => (StatusCode::CONFLICT, codes::INCOMPATIBLE_SCHEMA),
            InvalidSchema(_) => (StatusCode::UNPROCESSABLE_ENTITY, codes::INVALID_SCHEMA),
            InvalidVersion(_) => (StatusCode::UNPROCESSABLE_ENTITY, codes::INVALID_VERSION),
            InvalidCompatibilityLevel | InvalidJsonPolicy(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, codes::INVALID_COMPATIBILITY_LEVEL)
            }
            InvalidMode(_) => (StatusCode::UNPROCESSABLE_ENTITY, codes::INVALID_MODE),
            InvalidRuleSet(_) => (StatusCode::UNPROCESSABLE_ENTITY, codes::INVALID_RULESET),
            NotPermitted(_) => (StatusCode::UNPROCESSABLE_ENTITY, codes::OPERATION_NOT_PERMITTED),
            ReferenceExists(_) => (StatusCode::UNPROCESSABLE_ENTITY, codes::REFERENCE_EXISTS),
            IdMismatch(_) => (StatusCode::UNPROCESSABLE_ENTITY, codes::ID_DOES_NOT_MATCH),
            InvalidSubject => (StatusCode::UNPROCESSABLE_ENTITY, codes::INVALID_SUBJECT),
            SchemaTooLarge(_) => (StatusCode::UNPROCESSABLE_ENTITY, codes::SCHEMA_TOO_LARGE),
            BodyTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, 413),
            MalformedJson(_) | BadParameter(_) => (StatusCode::BAD_REQUEST, 400),
            UnprocessableBody(_) => (StatusCode::UNPROCESSABLE_ENTITY, 422),
            NotFound | ContextNotFound(_) => (StatusCode::NOT_FOUND, 404),
            MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, 405),
            Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, codes::STORE_ERROR),
            Timeout => (StatusCode::INTERNAL_SERVER_ERROR, codes::OPERATION_TIMEOUT),
            BodyTimeout => (StatusCode::REQUEST_TIMEOUT, 408),
            BudgetExceeded(_) => (StatusCode::UNPROCESSABLE_ENTITY, codes::INVALID_SCHEMA),
            // Confluent's rest-utils answers rate limits with 429 and error code 42901.
            Overloaded => (StatusCode::TOO_MANY_REQUESTS, 42901),
            Unavailable => (StatusCode::SERVICE_UNAVAILABLE, codes::STORE_ERROR),
            // Confluent's rest-utils pattern: the HTTP status followed by 01.
            Unauthenticated => (StatusCode::UNAUTHORIZED, 40101),
            Forbidden(_) => (StatusCode::FORBIDDEN, 40301),
            Forwarding(_) => (StatusCode::INTERNAL_SERVER_ERROR, codes::REQUEST_FORWARDING_FAILED),
            LeaderUnknown => (StatusCode::INTERNAL_SERVER_ERROR, codes::UNKNOWN_LEADER),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, error_code) = self.status_and_code();
        let message = self.to_string();
        if status.is_server_error() {
            tracing::error!(error_code, %message, "request failed");
        } else {
            tracing::debug!(error_code, %message, "request refused");
        }
        let body = serde_json::to_vec(&ErrorBody { error_code, message }).unwrap_or_default();
        let mut response = (status, body).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(error: ApiError, status: u16, code: i32, message: &str) {
        let (s, c) = error.status_and_code();
        assert_eq!((s.as_u16(), c, error.to_string().as_str()), (status, code, message));
    }

    #[test]
    fn confluent_codes_and_messages() {
        check(ApiError::SubjectNotFound("x".into()), 404, 40401, "Subject 'x' not found.");
        check(ApiError::VersionNotFound("3".into()), 404, 40402, "Version 3 not found.");
        check(ApiError::SchemaNotFound("7".into()), 404, 40403, "Schema 7 not found");
        check(
            ApiError::SubjectSoftDeleted("x".into()),
            404,
            40404,
            "Subject 'x' was soft deleted.Set permanent=true to delete permanently",
        );
        check(
            ApiError::VersionNotSoftDeleted("x".into(), 2),
            404,
            40407,
            "Subject 'x' Version 2 was not deleted first before being permanently deleted",
        );
        check(ApiError::NotFound, 404, 404, "HTTP 404 Not Found");
        check(ApiError::MethodNotAllowed, 405, 405, "HTTP 405 Method Not Allowed");
        check(ApiError::InvalidSubject, 422, 42208, "The specified subject is not valid.");
        check(ApiError::Store("disk".into()), 500, 50001, "Error in the backend datastore: disk");
        check(
            ApiError::BudgetExceeded("needs more than 10 steps".into()),
            422,
            42201,
            "needs more than 10 steps",
        );
        check(ApiError::Overloaded, 429, 42901, "Too many schema checks in progress; retry later");
        check(ApiError::BodyTimeout, 408, 408, "Request body was not received in time");
        check(ApiError::Unauthenticated, 401, 40101, "Unauthorized");
        check(ApiError::Forbidden("no".into()), 403, 40301, "no");
        check(ApiError::Timeout, 500, 50002, "Operation timed out");
        check(
            ApiError::Forwarding("refused".into()),
            500,
            50003,
            "Error while forwarding the request to the leader: refused",
        );
        check(ApiError::LeaderUnknown, 500, 50004, "Leader not known.");
    }
}
