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

/// Counts sign-in attempts per key (the normalized email) in a sliding window; past the
/// limit the key is locked until its oldest attempt leaves the window. An attempt is reserved
/// *before* the password is checked, so parallel guesses cannot outrun the count; a success
/// clears the key. Time is passed in so the rule is testable without waiting.
#[derive(Debug)]
pub struct LoginThrottle {
    max_attempts: usize,
    window: Duration,
    attempts: HashMap<String, Vec<Instant>>,
}

impl LoginThrottle {
    pub fn new(max_attempts: usize, window: Duration) -> Self {
        LoginThrottle {
            max_attempts,
            window,
            attempts: HashMap::new(),
        }
    }

    /// Counts an attempt for `key`, or `Err(seconds to wait)` when the key is locked.
    pub fn reserve(&mut self, key: &str, now: Instant) -> Result<(), u64> {
        let window = self.window;
        let times = self.attempts.entry(key.to_string()).or_default();
        times.retain(|t| now.duration_since(*t) < window);
        if times.len() >= self.max_attempts {
            let oldest = times.iter().min().copied().unwrap_or(now);
            let wait = window.saturating_sub(now.duration_since(oldest));
            return Err(wait.as_secs().max(1));
        }
        times.push(now);
        // Keep memory bounded under a spray of distinct keys.
        if self.attempts.len() > 10_000 {
            self.attempts
                .retain(|_, times| times.iter().any(|t| now.duration_since(*t) < window));
        }
        Ok(())
    }

    /// A successful sign-in: the key's earlier attempts no longer count.
    pub fn clear(&mut self, key: &str) {
        self.attempts.remove(key);
    }
}

/// The address a request comes from. The TCP peer, unless it is one of the trusted proxies:
/// then the right-most `X-Forwarded-For` entry that is not a trusted proxy (entries further
/// left were written by the client and prove nothing).
pub fn client_address(
    peer: std::net::IpAddr,
    forwarded_for: Option<&str>,
    trusted_proxies: &[std::net::IpAddr],
) -> std::net::IpAddr {
    if !trusted_proxies.contains(&peer) {
        return peer;
    }
    forwarded_for
        .into_iter()
        .flat_map(|header| header.rsplit(','))
        .map_while(|entry| entry.trim().parse::<std::net::IpAddr>().ok())
        .find(|address| !trusted_proxies.contains(address))
        .unwrap_or(peer)
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
            assert!(throttle.reserve("a@x.io", start).is_ok(), "attempt {i}");
        }
        let wait = throttle
            .reserve("a@x.io", start + Duration::from_secs(10))
            .unwrap_err();
        assert_eq!(wait, 50);
        // Another key is unaffected.
        assert!(throttle.reserve("b@x.io", start).is_ok());
        // After the window the key is free again.
        assert!(
            throttle
                .reserve("a@x.io", start + Duration::from_secs(61))
                .is_ok()
        );
    }

    #[test]
    fn a_locked_key_stays_locked_however_many_attempts_wait() {
        let now = Instant::now();
        let mut throttle = LoginThrottle::new(5, Duration::from_secs(60));
        let granted = (0..30)
            .filter(|_| throttle.reserve("a", now).is_ok())
            .count();
        assert_eq!(granted, 5);
    }

    #[test]
    fn success_clears_attempts() {
        let now = Instant::now();
        let mut throttle = LoginThrottle::new(2, Duration::from_secs(60));
        throttle.reserve("a", now).unwrap();
        throttle.reserve("a", now).unwrap();
        assert!(throttle.reserve("a", now).is_err());
        throttle.clear("a");
        assert!(throttle.reserve("a", now).is_ok());
    }

    #[test]
    fn client_address_trusts_forwarded_for_only_from_a_trusted_proxy() {
        let proxy: std::net::IpAddr = "10.0.0.1".parse().unwrap();
        let inner: std::net::IpAddr = "10.0.0.2".parse().unwrap();
        let client: std::net::IpAddr = "203.0.113.7".parse().unwrap();
        let spoofed = "198.51.100.1, 203.0.113.7";
        // A direct client cannot claim another address.
        assert_eq!(client_address(client, Some("1.2.3.4"), &[proxy]), client);
        // Behind one proxy: the entry it appended, not the client's own claims.
        assert_eq!(client_address(proxy, Some(spoofed), &[proxy]), client);
        // Behind two proxies, both trusted.
        assert_eq!(
            client_address(
                proxy,
                Some("198.51.100.1, 203.0.113.7, 10.0.0.2"),
                &[proxy, inner]
            ),
            client
        );
        // A trusted proxy without the header, or with garbage, is the address itself.
        assert_eq!(client_address(proxy, None, &[proxy]), proxy);
        assert_eq!(
            client_address(proxy, Some("not an address"), &[proxy]),
            proxy
        );
        // With no trusted proxies configured the header is ignored.
        assert_eq!(client_address(client, Some(spoofed), &[]), client);
    }
}
