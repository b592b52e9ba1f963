//! Sign-in, users and roles.

pub mod api;
pub mod pages;
pub mod rules;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod password;

use crate::option_set;
use serde::{Deserialize, Serialize};

option_set!(
    /// Roles are ordered: each includes everything the ones before it may do.
    Role { Rep => "rep", "Sales rep", Manager => "manager", "Sales manager", Admin => "admin", "Administrator" }
);

impl Role {
    /// Whether this role includes `required` (Admin ⊇ Manager ⊇ Rep).
    pub fn includes(self, required: Role) -> bool {
        self >= required
    }
}

/// A user as the rest of the app sees them (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    pub version: i64,
}

/// Reps change the records they own; managers and admins change any record.
pub fn check_can_edit(user: &User, owner_id: i64) -> Result<(), crate::error::AppError> {
    if user.id == owner_id || user.role.includes(Role::Manager) {
        Ok(())
    } else {
        Err(crate::error::AppError::Forbidden)
    }
}

/// A user as an owner picker lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct UserOption {
    pub id: i64,
    pub name: String,
}

/// The demo credentials the login page shows, in demo mode only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoCredential {
    pub email: String,
    pub password: String,
    pub role: Role,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_include_the_ones_below() {
        assert!(Role::Admin.includes(Role::Manager));
        assert!(Role::Admin.includes(Role::Rep));
        assert!(Role::Manager.includes(Role::Rep));
        assert!(!Role::Manager.includes(Role::Admin));
        assert!(!Role::Rep.includes(Role::Manager));
        assert!(Role::Rep.includes(Role::Rep));
    }
}
