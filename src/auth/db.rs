//! User queries. No rules here: callers validate and authorize first.

use super::{Role, User};
use chrono::Utc;
use sqlx::{SqliteExecutor, SqlitePool};
use std::sync::Arc;

const USER_COLUMNS: &str = "id, email, name, role, active, version";

/// The user with their session epoch, for checking a session.
pub async fn find_session_user(
    pool: &SqlitePool,
    id: i64,
) -> Result<Option<SessionUser>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS}, session_epoch FROM users WHERE id = ?"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
}

#[derive(sqlx::FromRow)]
pub struct SessionUser {
    #[sqlx(flatten)]
    pub user: User,
    pub session_epoch: i64,
}

/// The user and their password hash, for sign-in.
pub async fn find_login(pool: &SqlitePool, email: &str) -> Result<Option<Login>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS}, password_hash, session_epoch FROM users WHERE email = ?"
    ))
    .bind(email.trim())
    .fetch_optional(pool)
    .await
}

/// What sign-in needs to know about a user.
#[derive(sqlx::FromRow)]
pub struct Login {
    #[sqlx(flatten)]
    pub user: User,
    pub password_hash: String,
    pub session_epoch: i64,
}

/// The user with `id`, active or not.
pub async fn find_user(pool: &SqlitePool, id: i64) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

pub async fn list_users(pool: &SqlitePool) -> Result<Vec<User>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users ORDER BY active DESC, name"
    ))
    .fetch_all(pool)
    .await
}

/// The active users as last read, and the directory revision they were read at.
#[derive(Default)]
pub struct DirectoryCache(std::sync::Mutex<Option<(i64, Arc<Vec<super::UserOption>>)>>);

/// Active users by name. Every page with an owner picker or filter asks for them, so they
/// are read again only when the revision that triggers keep (migration 0007) has moved.
pub async fn user_directory(
    pool: &SqlitePool,
    cache: &DirectoryCache,
) -> Result<Arc<Vec<super::UserOption>>, sqlx::Error> {
    let revision: i64 = sqlx::query_scalar("SELECT revision FROM user_directory_revision")
        .fetch_one(pool)
        .await?;
    let cached = |cache: &DirectoryCache| {
        let cached = cache
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cached
            .as_ref()
            .filter(|(at, _)| *at == revision)
            .map(|(_, users)| users.clone())
    };
    if let Some(users) = cached(cache) {
        return Ok(users);
    }
    // Both reads in one transaction, so the users belong to the revision they are kept under.
    let mut tx = pool.begin().await?;
    let revision: i64 = sqlx::query_scalar("SELECT revision FROM user_directory_revision")
        .fetch_one(&mut *tx)
        .await?;
    let users: Arc<Vec<super::UserOption>> = Arc::new(
        sqlx::query_as("SELECT id, name FROM users WHERE active = 1 ORDER BY name")
            .fetch_all(&mut *tx)
            .await?,
    );
    tx.commit().await?;
    *cache
        .0
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some((revision, users.clone()));
    Ok(users)
}

pub async fn insert_user<'e>(
    executor: impl SqliteExecutor<'e>,
    name: &str,
    email: &str,
    role: Role,
    password_hash: &str,
) -> Result<i64, sqlx::Error> {
    let now = Utc::now().to_rfc3339();
    let id = sqlx::query_scalar(
        "INSERT INTO users (email, name, password_hash, role, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(email)
    .bind(name)
    .bind(password_hash)
    .bind(role)
    .bind(&now)
    .bind(&now)
    .fetch_one(executor)
    .await?;
    Ok(id)
}

/// Sets role and active flag if the row is still at `expected_version`; returns whether it was.
pub async fn update_user(
    pool: &SqlitePool,
    id: i64,
    role: Role,
    active: bool,
    expected_version: i64,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE users SET role = ?, active = ?, version = version + 1, modified_at = ? WHERE id = ? AND version = ?",
    )
    .bind(role)
    .bind(active)
    .bind(Utc::now().to_rfc3339())
    .bind(id)
    .bind(expected_version)
    .execute(pool)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn set_password(
    pool: &SqlitePool,
    id: i64,
    password_hash: &str,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE users SET password_hash = ?, session_epoch = session_epoch + 1, version = version + 1, modified_at = ? WHERE id = ?",
    )
    .bind(password_hash)
    .bind(Utc::now().to_rfc3339())
    .bind(id)
    .execute(pool)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn count_users(pool: &SqlitePool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await
}
