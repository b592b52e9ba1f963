//! The one error type of Leadflow: every failure a user can meet, with its HTTP status and
//! a message fit to show. Server functions return it; forms read its field errors.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Field name → message, shown next to the field that caused it.
pub type FieldErrors = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    #[error("Please sign in to continue.")]
    Unauthenticated,
    #[error("You do not have permission to do that.")]
    Forbidden,
    #[error("The email or password is incorrect.")]
    InvalidCredentials,
    #[error("Too many failed sign-in attempts. Try again in {retry_after_secs} seconds.")]
    RateLimited { retry_after_secs: u64 },
    #[error("{0} was not found.")]
    NotFound(String),
    #[error("Please correct the highlighted fields.")]
    Validation(FieldErrors),
    #[error("{message}")]
    Conflict {
        message: String,
        changed_fields: Vec<String>,
    },
    /// The request itself is malformed: missing or unparseable arguments, a body too large.
    #[error("{0}")]
    BadRequest(String),
    /// The server is saturated for this kind of work; retry after the given time.
    #[error("The server is busy. Try again in {retry_after_secs} seconds.")]
    Busy { retry_after_secs: u64 },
    /// The database cannot take writes (disk full, read-only): nothing was saved.
    #[error(
        "Your change was not saved: the database is full or read-only. Please tell your administrator."
    )]
    StorageUnavailable,
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The request never got a proper answer (network down, server restarting…).
    #[error("Could not reach the server: {0}")]
    Transport(String),
}

impl AppError {
    /// One field error, the common case for a single bad input.
    pub fn field(name: &str, message: impl Into<String>) -> Self {
        AppError::Validation(BTreeMap::from([(name.to_string(), message.into())]))
    }

    /// The HTTP status this error answers with.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Unauthenticated | AppError::InvalidCredentials => 401,
            AppError::Forbidden => 403,
            AppError::BadRequest(_) => 400,
            AppError::NotFound(_) => 404,
            AppError::Conflict { .. } => 409,
            AppError::Validation(_) => 422,
            AppError::RateLimited { .. } => 429,
            AppError::Busy { .. } | AppError::StorageUnavailable => 503,
            AppError::Internal | AppError::Transport(_) => 500,
        }
    }

    /// The seconds a client should wait before retrying (the `Retry-After` header), if any.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            AppError::RateLimited { retry_after_secs } | AppError::Busy { retry_after_secs } => {
                Some(*retry_after_secs)
            }
            _ => None,
        }
    }

    /// The HTTP status as axum takes it.
    #[cfg(feature = "ssr")]
    pub fn http_status(&self) -> axum::http::StatusCode {
        axum::http::StatusCode::from_u16(self.status_code())
            .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The message for one field, if this error names it.
    pub fn field_message(&self, name: &str) -> Option<String> {
        match self {
            AppError::Validation(fields) => fields.get(name).cloned(),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Raised on the server while reading a request's arguments; the serde detail
            // stays in the log.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Args(detail)
            | ServerFnErrorErr::MissingArg(detail)
            | ServerFnErrorErr::Deserialization(detail) => {
                tracing::debug!(%detail, "malformed server function request");
                let error = AppError::BadRequest(
                    "The request is missing a value or has one that is not valid.".into(),
                );
                crate::server::guard::set_error_status(&error);
                error
            }
            other => AppError::Transport(other.to_string()),
        }
    }
}

/// A unique constraint a form field stands for ("table.column" → the field's name); any
/// other unique violation is a conflict, not a field error.
#[cfg(feature = "ssr")]
const UNIQUE_FIELDS: &[(&str, &str)] = &[
    ("users.email", "email"),
    ("competitors.name", "name"),
    ("lost_reasons.code", "name"),
    ("marketing_lists.name", "name"),
];

#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        use axum::http::{HeaderValue, header};
        let body = serde_json::to_string(&self).unwrap_or_default();
        let mut response = (
            self.http_status(),
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
        if let Some(seconds) = self.retry_after_secs() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        // A unique constraint names its columns ("UNIQUE constraint failed: users.email").
        if let Some(db_error) = error.as_database_error()
            && db_error.is_unique_violation()
        {
            let columns = db_error.message().rsplit(": ").next().unwrap_or_default();
            return match UNIQUE_FIELDS
                .iter()
                .find(|(constraint, _)| *constraint == columns)
            {
                Some((_, field)) => AppError::field(field, "This value is already in use."),
                None => AppError::Conflict {
                    message: "That record already exists.".into(),
                    changed_fields: Vec::new(),
                },
            };
        }
        // SQLITE_FULL (13) and SQLITE_READONLY (8, with its extended codes): the storage, not
        // the request, is at fault.
        if let Some(db_error) = error.as_database_error()
            && let Some(code) = db_error.code().and_then(|code| code.parse::<i32>().ok())
            && matches!(code & 0xff, 13 | 8)
        {
            tracing::error!(%error, "the database cannot take writes");
            return AppError::StorageUnavailable;
        }
        tracing::error!(%error, "database error");
        AppError::Internal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_maps_to_its_status() {
        assert_eq!(AppError::Unauthenticated.status_code(), 401);
        assert_eq!(AppError::Forbidden.status_code(), 403);
        assert_eq!(AppError::field("email", "bad").status_code(), 422);
        assert_eq!(
            AppError::RateLimited {
                retry_after_secs: 5
            }
            .status_code(),
            429
        );
        assert_eq!(AppError::Internal.status_code(), 500);
    }

    #[test]
    fn field_message_reads_validation_errors_only() {
        let error = AppError::field("email", "Enter a valid email address.");
        assert_eq!(
            error.field_message("email").as_deref(),
            Some("Enter a valid email address.")
        );
        assert_eq!(error.field_message("name"), None);
        assert_eq!(AppError::Forbidden.field_message("email"), None);
    }

    #[test]
    fn internal_errors_never_show_details() {
        assert_eq!(
            AppError::Internal.to_string(),
            "Something went wrong on our side. Please try again."
        );
    }
}
