//! Pure sign-in rules: password policy, user-form validation and the failed-login throttle.

use crate::error::{AppError, FieldErrors};
use crate::types::Email;
use std::collections::HashMap;
use std::time::{Duration, Instant};

pub const MIN_PASSWORD_LENGTH: usize = 10;

pub fn check_password(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_LENGTH {
        return Err(format!(
            "Use at least {MIN_PASSWORD_LENGTH} characters for the password."
        ));
    }
    if password.chars().count() > 256 {
        return Err("Use at most 256 characters for the password.".into());
    }
    Ok(())
}

/// A new user's fields, validated together so the form can show every problem at once.
pub struct NewUser {
    pub name: String,
    pub email: Email,
    pub password: String,
}

pub fn validate_new_user(name: &str, email: &str, password: &str) -> Result<NewUser, AppError> {
    let mut errors = FieldErrors::new();
    let name = name.trim();
    if name.is_empty() {
        errors.insert("name".into(), "Enter the user's name.".into());
    }
    let email =
        Email::parse(email).map_err(|message| errors.insert("email".into(), message.into()));
    if let Err(message) = check_password(password) {
        errors.insert("password".into(), message);
    }
    match email {
        Ok(email) if errors.is_empty() => Ok(NewUser {
            name: name.to_string(),
            email,
            password: password.to_string(),
        }),
        _ => Err(AppError::Validation(errors)),
    }
}

/// Counts failed sign-ins per key (the normalized email) in a sliding window; past the limit
/// the key is locked until its oldest failure leaves the window. Time is passed in so the rule
/// is testable without waiting.
#[derive(Debug)]
pub struct LoginThrottle {
    max_failures: usize,
    window: Duration,
    failures: HashMap<String, Vec<Instant>>,
}

impl LoginThrottle {
    pub fn new(max_failures: usize, window: Duration) -> Self {
        LoginThrottle {
            max_failures,
            window,
            failures: HashMap::new(),
        }
    }

    /// `Err(seconds to wait)` when the key is locked.
    pub fn check(&mut self, key: &str, now: Instant) -> Result<(), u64> {
        let window = self.window;
        let Some(times) = self.failures.get_mut(key) else {
            return Ok(());
        };
        times.retain(|t| now.duration_since(*t) < window);
        if times.len() < self.max_failures {
            return Ok(());
        }
        let oldest = times.iter().min().copied().unwrap_or(now);
        let wait = window.saturating_sub(now.duration_since(oldest));
        Err(wait.as_secs().max(1))
    }

    pub fn record_failure(&mut self, key: &str, now: Instant) {
        self.failures.entry(key.to_string()).or_default().push(now);
        // Keep memory bounded under a spray of distinct keys.
        if self.failures.len() > 10_000 {
            let window = self.window;
            self.failures
                .retain(|_, times| times.iter().any(|t| now.duration_since(*t) < window));
        }
    }

    pub fn clear(&mut self, key: &str) {
        self.failures.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_policy() {
        assert!(check_password("short").is_err());
        assert!(check_password("long enough!").is_ok());
        assert!(check_password(&"x".repeat(257)).is_err());
    }

    #[test]
    fn new_user_reports_every_field() {
        let Err(AppError::Validation(errors)) = validate_new_user(" ", "nope", "123") else {
            panic!("expected validation errors");
        };
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            ["email", "name", "password"]
        );
        let ok = validate_new_user(" Ann ", "ann@example.com", "correct horse").unwrap();
        assert_eq!(ok.name, "Ann");
        assert_eq!(ok.email.as_str(), "ann@example.com");
    }

    #[test]
    fn throttle_locks_after_the_limit_and_unlocks_after_the_window() {
        let start = Instant::now();
        let mut throttle = LoginThrottle::new(3, Duration::from_secs(60));
        for i in 0..3 {
            assert!(throttle.check("a@x.io", start).is_ok(), "attempt {i}");
            throttle.record_failure("a@x.io", start);
        }
        let wait = throttle
            .check("a@x.io", start + Duration::from_secs(10))
            .unwrap_err();
        assert_eq!(wait, 50);
        // Another key is unaffected.
        assert!(throttle.check("b@x.io", start).is_ok());
        // After the window the key is free again.
        assert!(
            throttle
                .check("a@x.io", start + Duration::from_secs(61))
                .is_ok()
        );
    }

    #[test]
    fn success_clears_failures() {
        let now = Instant::now();
        let mut throttle = LoginThrottle::new(2, Duration::from_secs(60));
        throttle.record_failure("a", now);
        throttle.record_failure("a", now);
        assert!(throttle.check("a", now).is_err());
        throttle.clear("a");
        assert!(throttle.check("a", now).is_ok());
    }
}
