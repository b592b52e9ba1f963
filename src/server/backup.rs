//! Online backup and offline restore of the SQLite database, and the instance lock that tells
//! a restore whether a server is using the database.

use sqlx::SqlitePool;
use std::fs::File;
use std::path::{Path, PathBuf};

/// The database file a `DATABASE_URL` names (`sqlite://path?options`); none for in-memory.
pub fn database_path(database_url: &str) -> Option<PathBuf> {
    let rest = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// Takes the lock a running server holds on its database (a `.lock` file beside it) for as
/// long as the returned file is open. Fails with `WouldBlock` while another process has it.
pub fn lock_instance(database: &Path) -> std::io::Result<File> {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(PathBuf::from(name))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(std::io::ErrorKind::WouldBlock.into()),
        Err(std::fs::TryLockError::Error(error)) => Err(error),
    }
}

/// Writes a consistent copy of the live database to `target` (which must not exist) while
/// the server keeps running: `VACUUM INTO` reads one snapshot, so writes that commit meanwhile
/// are either wholly in the copy or not at all. Returns the copy's size in bytes.
pub async fn backup(pool: &SqlitePool, target: &Path) -> Result<u64, String> {
    if target.exists() {
        return Err(format!(
            "{} already exists; choose a new file",
            target.display()
        ));
    }
    let target_text = target
        .to_str()
        .ok_or_else(|| "the backup path must be valid UTF-8".to_string())?;
    sqlx::query("VACUUM INTO ?")
        .bind(target_text)
        .execute(pool)
        .await
        .map_err(|error| format!("backup failed: {error}"))?;
    std::fs::metadata(target)
        .map(|m| m.len())
        .map_err(|error| error.to_string())
}

/// Replaces the database file with the backup `source`, refusing while a server holds the
/// database. The backup is checked first (a SQLite file that passes `integrity_check` and
/// holds Leadflow's migrations), then copied beside the database and renamed over it, so an
/// interrupted restore leaves the old database in place.
pub async fn restore(database: &Path, source: &Path) -> Result<(), String> {
    let _lock = lock_instance(database).map_err(|error| match error.kind() {
        std::io::ErrorKind::WouldBlock => format!(
            "{} is in use by a running Leadflow server; stop it before restoring",
            database.display()
        ),
        _ => format!("cannot lock {}: {error}", database.display()),
    })?;
    check_backup(source).await?;
    let mut staging = database.as_os_str().to_owned();
    staging.push(".restoring");
    let staging = PathBuf::from(staging);
    std::fs::copy(source, &staging).map_err(|error| format!("copy failed: {error}"))?;
    File::open(&staging)
        .and_then(|file| file.sync_all())
        .map_err(|error| format!("copy failed: {error}"))?;
    // The old database's write-ahead log belongs to the old file, not to the restored one.
    for suffix in ["-wal", "-shm"] {
        let mut side = database.as_os_str().to_owned();
        side.push(suffix);
        match std::fs::remove_file(PathBuf::from(side)) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(format!("cannot remove the old {suffix} file: {error}")),
        }
    }
    std::fs::rename(&staging, database).map_err(|error| format!("restore failed: {error}"))
}

async fn check_backup(source: &Path) -> Result<(), String> {
    use sqlx::ConnectOptions;
    use sqlx::sqlite::SqliteConnectOptions;
    let not_a_backup =
        |detail: String| format!("{} is not a Leadflow backup ({detail})", source.display());
    if !source.is_file() {
        return Err(not_a_backup("no such file".into()));
    }
    let mut conn = SqliteConnectOptions::new()
        .filename(source)
        .read_only(true)
        .connect()
        .await
        .map_err(|error| not_a_backup(error.to_string()))?;
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .map_err(|error| not_a_backup(error.to_string()))?;
    if integrity != "ok" {
        return Err(not_a_backup(integrity));
    }
    let migrations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(&mut conn)
        .await
        .map_err(|_| not_a_backup("no Leadflow schema".into()))?;
    if migrations == 0 {
        return Err(not_a_backup("no Leadflow schema".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_path_reads_sqlx_urls() {
        assert_eq!(
            database_path("sqlite://crm.db"),
            Some(PathBuf::from("crm.db"))
        );
        assert_eq!(
            database_path("sqlite:///var/lib/leadflow/crm.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/leadflow/crm.db"))
        );
        assert_eq!(database_path("sqlite::memory:"), None);
        assert_eq!(database_path("postgres://x"), None);
    }

    #[test]
    fn the_instance_lock_is_exclusive_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("crm.db");
        let held = lock_instance(&database).unwrap();
        let second = lock_instance(&database).unwrap_err();
        assert_eq!(second.kind(), std::io::ErrorKind::WouldBlock);
        drop(held);
        assert!(lock_instance(&database).is_ok());
    }
}
