//! `GET /api/leads/{id}/photo`: the business card photo captured with a lead, for signed-in
//! users only (it holds someone's contact details), never sniffed into another type.

use crate::error::AppError;
use crate::server::AppState;
use crate::server::guard::Caller;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

pub async fn card_photo(
    State(state): State<AppState>,
    Extension(Caller(user)): Extension<Caller>,
    Path(id): Path<i64>,
) -> Response {
    let photo = async {
        user.ok_or(AppError::Unauthenticated)?;
        super::db::card_photo(&state.pool, id)
            .await?
            .ok_or_else(|| AppError::NotFound("This photo".into()))
    }
    .await;
    match photo {
        Ok((content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, content_type),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
                (header::CACHE_CONTROL, "private, max-age=86400".into()),
                (
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; sandbox".into(),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(error) => error.into_response(),
    }
}
