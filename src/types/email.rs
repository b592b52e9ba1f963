use serde::{Deserialize, Serialize};
use std::fmt;

/// An email address that passed validation, stored as typed (trimmed).
///
/// Validation is deliberately pragmatic: one `@`, a non-empty local part, a domain with a dot
/// and no empty labels, no whitespace, at most 254 characters (RFC 5321's path limit).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let email = input.trim();
        if email.is_empty() {
            return Err("Enter an email address.");
        }
        if email.len() > 254 || email.chars().any(char::is_whitespace) {
            return Err("Enter a valid email address, like name@example.com.");
        }
        let Some((local, domain)) = email.split_once('@') else {
            return Err("Enter a valid email address, like name@example.com.");
        };
        let domain_ok = domain.contains('.')
            && !domain.contains('@')
            && domain.split('.').all(|label| !label.is_empty());
        if local.is_empty() || !domain_ok {
            return Err("Enter a valid email address, like name@example.com.");
        }
        Ok(Email(email.to_string()))
    }

    /// The form used to compare addresses: trimmed and lower-cased. Plus-tags are kept,
    /// because `ann+crm@x.com` and `ann@x.com` may be different mailboxes.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = &'static str;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Email::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses_and_trims() {
        let email = Email::parse("  Ann.Lee+crm@Example.co.uk ").unwrap();
        assert_eq!(email.as_str(), "Ann.Lee+crm@Example.co.uk");
        assert_eq!(email.normalized(), "ann.lee+crm@example.co.uk");
    }

    #[test]
    fn rejects_malformed_addresses() {
        for bad in [
            "",
            "   ",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "ann@@example.com",
            "ann@example..com",
            "ann lee@example.com",
            "ann@.example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn rejects_overlong_addresses() {
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn deserializing_validates() {
        assert!(serde_json::from_str::<Email>("\"not-an-email\"").is_err());
        let ok: Email = serde_json::from_str("\"a@b.io\"").unwrap();
        assert_eq!(ok.as_str(), "a@b.io");
    }
}
