//! Demo mode: on the first start of an empty database, demo users and a generated data set.

use super::generate::{Counts, fill};
use crate::auth::{Role, api::DEMO_PASSWORD, password};
use chrono::Utc;
use rand::SeedableRng;
use sqlx::SqlitePool;

/// Name, email and role of each demo user.
pub const DEMO_USERS: [(&str, &str, Role); 3] = [
    ("Ada Admin", "admin@example.com", Role::Admin),
    ("Morgan Manager", "manager@example.com", Role::Manager),
    ("Riley Rep", "rep@example.com", Role::Rep),
];

const DEMO_SETTING: &str = "demo_mode";
pub const DEMO_SEED: u64 = 20_261_123;

/// The demo data set's size.
pub const DEMO_COUNTS: Counts = Counts {
    accounts: 72,
    contacts: 180,
    leads: 340,
    opportunities: 150,
    activities: 700,
    open_percent: 50,
};

pub async fn is_demo(pool: &SqlitePool) -> Result<bool, sqlx::Error> {
    Ok(super::db::setting(pool, DEMO_SETTING).await?.as_deref() == Some("1"))
}

/// On a database without users, creates the demo users and data (when demo mode is on).
/// Returns whether it seeded.
pub async fn seed_if_empty(pool: &SqlitePool, demo: bool) -> Result<bool, sqlx::Error> {
    if !demo || crate::auth::db::count_users(pool).await? > 0 {
        return Ok(false);
    }
    let hashes: Vec<String> = DEMO_USERS
        .iter()
        .map(|_| password::hash(DEMO_PASSWORD))
        .collect();
    let mut tx = pool.begin().await?;
    for ((name, email, role), hash) in DEMO_USERS.iter().zip(&hashes) {
        crate::auth::db::insert_user(&mut *tx, name, email, *role, hash).await?;
    }
    super::db::set_setting(&mut *tx, DEMO_SETTING, "1").await?;
    // Users and data in one transaction: a start interrupted half-way leaves an empty
    // database that the next start seeds again, never users without their data.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(DEMO_SEED);
    fill(&mut tx, DEMO_COUNTS, &mut rng, Utc::now().date_naive()).await?;
    crate::webform::db::insert_demo_form(&mut tx).await?;
    crate::lists::db::insert_demo_lists(&mut tx)
        .await
        .map_err(|error| sqlx::Error::Protocol(format!("demo lists: {error}")))?;
    crate::process::db::insert_demo_process(&mut tx)
        .await
        .map_err(|error| sqlx::Error::Protocol(format!("demo process: {error}")))?;
    tx.commit().await?;
    Ok(true)
}

/// Creates the first admin of an empty (non-demo) installation, or another admin later.
pub async fn create_admin(
    pool: &SqlitePool,
    name: &str,
    email: &str,
    password_text: &str,
) -> Result<i64, crate::error::AppError> {
    let new_user = crate::auth::rules::validate_new_user(name, email, password_text)?;
    let hash = password::hash(&new_user.password);
    Ok(crate::auth::db::insert_user(
        pool,
        &new_user.name,
        new_user.email.as_str(),
        Role::Admin,
        &hash,
    )
    .await?)
}
