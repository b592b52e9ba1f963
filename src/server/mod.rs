//! Server-only plumbing: configuration and shared state, the database pool, the caller
//! guard every server function starts with, demo data and the benchmark data generator.

pub mod backup;
pub mod db;
pub mod demo;
pub mod generate;
pub mod guard;
pub mod router;
pub mod state;

pub use guard::{current_user, require_role, respond};
pub use state::{AppState, Config};
