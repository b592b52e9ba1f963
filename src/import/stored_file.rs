//! An import's files as the database keeps them: in parts of at most `PIECE_BYTES`, written
//! once at upload and read a part at a time, so neither an upload, a dry run, a run nor an
//! error file holds a whole file in memory.

use super::csv_file::{
    EncodingSniffer, FileShape, Next, PIECE_BYTES, RowReader, RowResult, TextDecoder, TextEncoding,
    as_row, check_headers, inspect,
};
use crate::error::AppError;
use sqlx::{SqliteConnection, SqlitePool};
use std::io::{Read, Seek};
use tokio::io::AsyncReadExt;

/// Reads a file on disk a piece at a time: its encoding, delimiter, headers and row count,
/// or why it is not a table to import.
pub async fn shape_of(file: std::fs::File) -> Result<(FileShape, std::fs::File), String> {
    tokio::task::spawn_blocking(move || {
        let mut file = file;
        let shape = {
            let reader = std::cell::RefCell::new(&mut file);
            inspect(
                |piece| {
                    piece.clear();
                    reader
                        .borrow_mut()
                        .by_ref()
                        .take(PIECE_BYTES as u64)
                        .read_to_end(piece)
                        .map(drop)
                },
                || reader.borrow_mut().rewind(),
            )?
        };
        file.rewind()
            .map_err(|error| format!("The file could not be read: {error}."))?;
        Ok((shape, file))
    })
    .await
    .map_err(|_| "The file could not be read.".to_string())?
}

/// Keeps file `position` of job `job_id`, as its parts, in the caller's transaction.
pub async fn store(
    conn: &mut SqliteConnection,
    job_id: i64,
    position: i64,
    file: std::fs::File,
) -> Result<(), AppError> {
    let mut file = tokio::fs::File::from_std(file);
    let mut piece = Vec::with_capacity(PIECE_BYTES);
    for part in 0_i64.. {
        piece.clear();
        (&mut file)
            .take(PIECE_BYTES as u64)
            .read_to_end(&mut piece)
            .await
            .map_err(|error| {
                tracing::error!(%error, "reading an upload back");
                AppError::Internal
            })?;
        if piece.is_empty() {
            break;
        }
        sqlx::query(
            "INSERT INTO import_file_parts (job_id, position, part, bytes) VALUES (?, ?, ?, ?)",
        )
        .bind(job_id)
        .bind(position)
        .bind(part)
        .bind(&piece)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn part(
    pool: &SqlitePool,
    job_id: i64,
    position: i64,
    part: i64,
) -> Result<Option<Vec<u8>>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT bytes FROM import_file_parts WHERE job_id = ? AND position = ? AND part = ?",
    )
    .bind(job_id)
    .bind(position)
    .bind(part)
    .fetch_optional(pool)
    .await?)
}

/// A kept file's rows, read a part at a time.
pub struct FileRows {
    pool: SqlitePool,
    job_id: i64,
    position: i64,
    next_part: i64,
    decoder: TextDecoder,
    reader: RowReader,
    pub headers: Vec<String>,
    pub delimiter: u8,
}

impl FileRows {
    /// Opens file `position` of job `job_id` and reads its header line.
    pub async fn open(pool: &SqlitePool, job_id: i64, position: i64) -> Result<FileRows, AppError> {
        let stored: Option<Option<String>> = sqlx::query_scalar(
            "SELECT encoding FROM import_files WHERE job_id = ? AND position = ?",
        )
        .bind(job_id)
        .bind(position)
        .fetch_optional(pool)
        .await?;
        let missing = || AppError::NotFound("This import's file".into());
        let first = part(pool, job_id, position, 0).await?.ok_or_else(missing)?;
        let encoding = match stored.ok_or_else(missing)? {
            Some(code) => TextEncoding::from_code(&code).ok_or(AppError::Internal)?,
            // Kept whole before files were kept in parts: its one part tells.
            None => {
                let mut sniffer = EncodingSniffer::default();
                sniffer.push(&first, true);
                sniffer.encoding()
            }
        };
        let mut decoder = encoding.decoder();
        let mut reader = RowReader::default();
        reader.push(decoder.decode(&first, false), false);
        let mut rows = FileRows {
            pool: pool.clone(),
            job_id,
            position,
            next_part: 1,
            decoder,
            reader,
            headers: Vec::new(),
            delimiter: b',',
        };
        rows.headers = match rows.next_record().await? {
            Some((_, record)) => check_headers(record).map_err(AppError::BadRequest)?,
            None => return Err(AppError::BadRequest("The file is empty.".into())),
        };
        rows.delimiter = rows.reader.delimiter().unwrap_or(b',');
        Ok(rows)
    }

    async fn next_record(&mut self) -> Result<Option<(u64, Vec<String>)>, AppError> {
        loop {
            match self.reader.next_record() {
                Next::Record(line, values) => return Ok(Some((line, values))),
                Next::End => return Ok(None),
                Next::NeedText => {
                    let piece = part(&self.pool, self.job_id, self.position, self.next_part)
                        .await?
                        .unwrap_or_default();
                    self.next_part += 1;
                    let last = piece.is_empty();
                    let text = self.decoder.decode(&piece, last);
                    self.reader.push(text, last);
                }
            }
        }
    }

    /// The next row and its line, or `None` at the end of the file.
    pub async fn next(&mut self) -> Result<Option<(u64, RowResult)>, AppError> {
        let columns = self.headers.len();
        Ok(self
            .next_record()
            .await?
            .map(|(line, values)| (line, as_row(values, columns))))
    }

    /// Up to `rows` next rows (none at the end of the file).
    pub async fn chunk(&mut self, rows: usize) -> Result<Vec<(u64, RowResult)>, AppError> {
        let mut chunk = Vec::with_capacity(rows);
        while chunk.len() < rows {
            match self.next().await? {
                Some(row) => chunk.push(row),
                None => break,
            }
        }
        Ok(chunk)
    }
}
