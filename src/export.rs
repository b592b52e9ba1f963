//! CSV exports of list views, streamed: rows go out as the query yields them, 64 KiB at a
//! time, so memory does not grow with the export; as a download or, from the command line,
//! to a file. Cells are escaped against spreadsheet
//! formulas (`spreadsheet::safe_cell`).

use crate::error::AppError;
use crate::spreadsheet::safe_cell;
use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::{StreamExt, TryStreamExt};
use tokio::sync::mpsc;

/// Bytes gathered before they are sent on.
const CHUNK_BYTES: usize = 64 * 1024;

/// Where an export writes its rows.
pub struct CsvSink {
    writer: csv::Writer<Vec<u8>>,
    sender: mpsc::Sender<Result<Bytes, std::io::Error>>,
}

/// The client went away: the export stops.
#[derive(Debug)]
pub struct Closed;

impl CsvSink {
    /// Writes one row (escaped), sending the buffer on when it is full.
    pub async fn row<I, S>(&mut self, cells: I) -> Result<(), Closed>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let record: Vec<String> = cells
            .into_iter()
            .map(|cell| safe_cell(cell.as_ref()).into_owned())
            .collect();
        self.writer.write_record(&record).map_err(|_| Closed)?;
        if self.writer.get_ref().len() >= CHUNK_BYTES {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), Closed> {
        let full = std::mem::replace(&mut self.writer, csv::Writer::from_writer(Vec::new()));
        let bytes = full.into_inner().map_err(|_| Closed)?;
        if bytes.is_empty() {
            return Ok(());
        }
        self.sender
            .send(Ok(Bytes::from(bytes)))
            .await
            .map_err(|_| Closed)
    }

    /// Ends the file with an error line, so a cut-off export is not mistaken for a whole one.
    async fn fail(&mut self) {
        let _ = self.flush().await;
        let _ = self
            .sender
            .send(Err(std::io::Error::other("the export failed")))
            .await;
    }
}

/// An export: what writes its rows to a sink, once.
pub type Export = Box<
    dyn FnOnce(
            CsvSink,
        )
            -> futures_util::future::BoxFuture<'static, Result<CsvSink, (CsvSink, AppError)>>
        + Send,
>;

/// Runs `export` on its own task; its file's bytes come out of the receiver, an error as
/// the last item.
fn start(export: Export) -> mpsc::Receiver<Result<Bytes, std::io::Error>> {
    let (sender, receiver) = mpsc::channel(8);
    let sink = CsvSink {
        // A byte-order mark so Excel reads the file as UTF-8.
        writer: csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec()),
        sender,
    };
    tokio::spawn(async move {
        match export(sink).await {
            Ok(mut sink) => {
                let _ = sink.flush().await;
            }
            Err((mut sink, error)) => {
                tracing::error!(%error, "export failed");
                sink.fail().await;
            }
        }
    });
    receiver
}

/// Writes an export to `out` (the command line's `leadflow export`); its rows.
pub async fn to_writer(export: Export, out: &mut impl std::io::Write) -> Result<u64, String> {
    let mut receiver = start(export);
    let mut lines = 0_u64;
    while let Some(chunk) = receiver.recv().await {
        let bytes = chunk.map_err(|error| error.to_string())?;
        lines += bytes.iter().filter(|b| **b == b'\n').count() as u64;
        out.write_all(&bytes).map_err(|error| error.to_string())?;
    }
    out.flush().map_err(|error| error.to_string())?;
    Ok(lines.saturating_sub(1))
}

/// A list's CSV download for the signed-in caller (401 for nobody): `export` of the
/// caller's id, streamed.
pub fn download(
    caller: Option<crate::auth::User>,
    file_name: &str,
    export: impl FnOnce(i64) -> Export,
) -> Response {
    match caller {
        Some(user) => streamed(file_name, export(user.id)),
        None => AppError::Unauthenticated.into_response(),
    }
}

/// A streamed CSV download named `file_name`: the export runs on its own task; an error
/// ends the stream, so the client sees a failed download, never a file that looks complete.
fn streamed(file_name: &str, export: Export) -> Response {
    let receiver = start(export);
    // Fused: the compression layer polls the body once more after its end, which an
    // unfused `unfold` answers with a panic (and the browser with a cut-off download).
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    })
    .fuse();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

/// The export of a query: a header and then each row `sql` yields, as `cells` renders it,
/// as the query streams them (never the whole result in memory). A client that goes away
/// stops it.
pub fn of_query<T, C>(
    pool: sqlx::SqlitePool,
    sql: sqlx::QueryBuilder<'static, sqlx::Sqlite>,
    header: Vec<String>,
    cells: C,
) -> Export
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin + 'static,
    C: Fn(T) -> Vec<String> + Send + Sync + 'static,
{
    Box::new(move |sink| Box::pin(write_query(pool, sql, header, cells, sink)))
}

async fn write_query<T, C>(
    pool: sqlx::SqlitePool,
    mut sql: sqlx::QueryBuilder<'static, sqlx::Sqlite>,
    header: Vec<String>,
    cells: C,
    mut sink: CsvSink,
) -> Result<CsvSink, (CsvSink, AppError)>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
    C: Fn(T) -> Vec<String>,
{
    if sink.row(header).await.is_err() {
        return Ok(sink);
    }
    let mut rows = sql.build_query_as::<T>().fetch(&pool);
    loop {
        match rows.try_next().await {
            Ok(Some(row)) => {
                if sink.row(cells(row)).await.is_err() {
                    break;
                }
            }
            Ok(None) => break,
            Err(error) => {
                drop(rows);
                return Err((sink, error.into()));
            }
        }
    }
    drop(rows);
    Ok(sink)
}
