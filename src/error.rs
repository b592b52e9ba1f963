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
            AppError::NotFound(_) => 404,
            AppError::Conflict { .. } => 409,
            AppError::Validation(_) => 422,
            AppError::RateLimited { .. } => 429,
            AppError::Internal | AppError::Transport(_) => 500,
        }
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
        AppError::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        // A unique constraint names its column ("UNIQUE constraint failed: users.email"):
        // report it against that field rather than as a server failure.
        if let Some(db_error) = error.as_database_error()
            && db_error.is_unique_violation()
        {
            let column = db_error
                .message()
                .rsplit('.')
                .next()
                .unwrap_or("record")
                .to_string();
            return AppError::field(&column, "This value is already in use.");
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
