//! The import's plain HTTP routes, behind the same caller guard as every server function:
//! the upload of one or more files (a multipart form a browser posts without script) and
//! the error file download.

use super::{ImportEntity, MAX_UPLOAD_BYTES};
use crate::error::AppError;
use crate::server::AppState;
use crate::server::guard::Caller;
use axum::Extension;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use tokio::io::AsyncWriteExt;

/// The upload route's body limit: the largest file plus the form around it.
pub const UPLOAD_BODY_LIMIT: usize = MAX_UPLOAD_BYTES + 64 * 1024;

/// Where the import page shows a refused upload, with its reason.
pub fn refused_url(message: &str) -> String {
    crate::url_state::url(
        "/import",
        &super::ImportPageQuery {
            refused: Some(message.to_string()),
        },
    )
}

fn too_big() -> AppError {
    AppError::BadRequest(format!(
        "The file is larger than {} MB: split it into several files and import each.",
        MAX_UPLOAD_BYTES / (1024 * 1024)
    ))
}

/// An upload's files: name, and the file spooled to disk.
type Files = Vec<(String, std::fs::File)>;

fn unreadable() -> AppError {
    AppError::BadRequest("The upload could not be read.".into())
}

/// Writes one uploaded file to a temporary file as its pieces arrive (memory holds a piece,
/// not the file); `total` counts the bytes of the whole upload against its limit.
async fn spool(
    field: &mut axum::extract::multipart::Field<'_>,
    total: &mut usize,
) -> Result<Option<std::fs::File>, AppError> {
    let spooled = tempfile::tempfile().map_err(|error| {
        tracing::error!(%error, "no temporary file for an upload");
        AppError::Internal
    })?;
    let mut file = tokio::fs::File::from_std(spooled);
    let mut written = 0;
    loop {
        let piece = match field.chunk().await {
            Ok(Some(piece)) => piece,
            Ok(None) => break,
            Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_big()),
            Err(_) => return Err(unreadable()),
        };
        *total += piece.len();
        if *total > MAX_UPLOAD_BYTES {
            return Err(too_big());
        }
        written += piece.len();
        file.write_all(&piece).await.map_err(|error| {
            tracing::error!(%error, "spooling an upload");
            AppError::Internal
        })?;
    }
    file.flush().await.map_err(|_| AppError::Internal)?;
    let mut file = file.into_std().await;
    std::io::Seek::rewind(&mut file).map_err(|_| AppError::Internal)?;
    Ok((written > 0).then_some(file))
}

/// Reads the form: the entity and the files (several come as one job).
async fn read_form(multipart: &mut Multipart) -> Result<(ImportEntity, Files), AppError> {
    let mut entity = ImportEntity::Leads;
    let mut files = Vec::new();
    let mut total = 0;
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_big()),
            Err(error) => {
                tracing::debug!(%error, "unreadable upload");
                return Err(unreadable());
            }
        };
        match field.name() {
            Some("entity") => {
                let text = field.text().await.map_err(|_| too_big())?;
                entity = ImportEntity::from_code(&text)
                    .ok_or_else(|| AppError::BadRequest("Choose what the file holds.".into()))?;
            }
            Some("file") => {
                let name = field.file_name().unwrap_or_default().to_string();
                let file = spool(&mut field, &mut total).await?;
                match file {
                    Some(file) => files.push((name, file)),
                    // A form posted with no file chosen sends one empty, nameless part.
                    None if name.is_empty() => {}
                    None => return Err(AppError::field("file", "The file is empty.")),
                }
            }
            _ => {}
        }
    }
    if files.is_empty() {
        return Err(AppError::field("file", "Choose a CSV file."));
    }
    Ok((entity, files))
}

/// A browser's form post is answered with a page to go to; any other client gets the status.
fn wants_page(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// `POST /api/import/upload`: keeps the file as a new job and opens its page.
pub async fn upload(
    State(state): State<AppState>,
    Extension(Caller(user)): Extension<Caller>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    let created = async {
        let user = user.ok_or(AppError::Unauthenticated)?;
        let (entity, files) = read_form(&mut multipart).await?;
        super::db::create_job(&state.pool, &user, entity, files).await
    }
    .await;
    match (created, wants_page(&headers)) {
        (Ok(id), _) => Redirect::to(&format!("/import/{id}")).into_response(),
        (Err(AppError::Unauthenticated), true) => Redirect::to("/login").into_response(),
        (Err(error), true) => {
            let message = error
                .field_message("file")
                .unwrap_or_else(|| error.to_string());
            Redirect::to(&refused_url(&message)).into_response()
        }
        (Err(error), false) => error.into_response(),
    }
}

/// Which file of a job an error file is for.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ErrorFileQuery {
    #[serde(default)]
    pub file: i64,
}

/// `GET /api/import/{id}/errors.csv?file=N`: file N's rejected rows with an error column.
pub async fn error_file(
    State(state): State<AppState>,
    Extension(Caller(user)): Extension<Caller>,
    Path(id): Path<i64>,
    Query(query): Query<ErrorFileQuery>,
) -> Response {
    let file = async {
        let user = user.ok_or(AppError::Unauthenticated)?;
        super::db::error_file(&state.pool, id, query.file, &user).await
    }
    .await;
    match file {
        Ok((name, bytes)) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"{}\"",
                        name.replace(['"', '\\', '\r', '\n'], "_")
                    ),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(error) => error.into_response(),
    }
}
