//! Contacts (people): the form's rules, the record page's data, and the opportunities the
//! contact is customer or stakeholder on.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;
pub mod pages;

use crate::account::{RelatedOpportunity, record_id};
use crate::error::AppError;
use crate::history::{FieldValue, HistoryEntry};
use crate::lead::rules::{email, optional, phone};
use crate::types::RecordLink;
use crate::types::normalize::{normalize_name, phone_digits};
use serde::{Deserialize, Serialize};

/// The contact form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContactInput {
    pub first_name: String,
    pub last_name: String,
    pub job_title: String,
    /// The account picker's record id (empty: none).
    pub account_id: String,
    pub email: String,
    pub business_phone: String,
    pub mobile_phone: String,
    pub street: String,
    pub city: String,
    pub state_province: String,
    pub postal_code: String,
    pub country: String,
}

/// A contact's own fields, validated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ContactFields {
    pub first_name: Option<String>,
    pub last_name: String,
    pub job_title: Option<String>,
    pub account_id: Option<i64>,
    pub email: Option<String>,
    pub business_phone: Option<String>,
    pub mobile_phone: Option<String>,
    pub street: Option<String>,
    pub city: Option<String>,
    pub state_province: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
}

pub const CONTACT_FIELD_LABELS: &[(&str, &str)] = &[
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("job_title", "Job title"),
    ("account", "Account"),
    ("email", "Email"),
    ("business_phone", "Business phone"),
    ("mobile_phone", "Mobile phone"),
    ("street", "Street"),
    ("city", "City"),
    ("state_province", "State/Province"),
    ("postal_code", "Postal code"),
    ("country", "Country"),
    ("active", "Status"),
    ("created", "Created"),
    ("do_not_email", "Do not email"),
    ("do_not_phone", "Do not phone"),
    ("do_not_mail", "Do not mail"),
];

pub fn contact_field_label(field: &str) -> &str {
    crate::history::label_of(CONTACT_FIELD_LABELS, field)
}

impl ContactFields {
    pub fn full_name(&self) -> String {
        match &self.first_name {
            Some(first) => format!("{first} {}", self.last_name),
            None => self.last_name.clone(),
        }
    }

    /// Every field as a user reads it; the account by the name given.
    pub fn display_values(&self, account: Option<&str>) -> Vec<FieldValue> {
        let text = |value: &Option<String>| value.clone();
        vec![
            ("first_name", text(&self.first_name)),
            ("last_name", Some(self.last_name.clone())),
            ("job_title", text(&self.job_title)),
            ("account", account.map(str::to_string)),
            ("email", text(&self.email)),
            ("business_phone", text(&self.business_phone)),
            ("mobile_phone", text(&self.mobile_phone)),
            ("street", text(&self.street)),
            ("city", text(&self.city)),
            ("state_province", text(&self.state_province)),
            ("postal_code", text(&self.postal_code)),
            ("country", text(&self.country)),
        ]
    }

    pub fn to_input(&self) -> ContactInput {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        ContactInput {
            first_name: text(&self.first_name),
            last_name: self.last_name.clone(),
            job_title: text(&self.job_title),
            account_id: self.account_id.map(|id| id.to_string()).unwrap_or_default(),
            email: text(&self.email),
            business_phone: text(&self.business_phone),
            mobile_phone: text(&self.mobile_phone),
            street: text(&self.street),
            city: text(&self.city),
            state_province: text(&self.state_province),
            postal_code: text(&self.postal_code),
            country: text(&self.country),
        }
    }

    pub fn last_name_normalized(&self) -> String {
        normalize_name(&self.last_name).unwrap_or_default()
    }
    pub fn email_normalized(&self) -> Option<String> {
        self.email.as_deref().map(|e| e.trim().to_lowercase())
    }
    pub fn business_phone_digits(&self) -> Option<String> {
        self.business_phone.as_deref().and_then(phone_digits)
    }
    pub fn mobile_phone_digits(&self) -> Option<String> {
        self.mobile_phone.as_deref().and_then(phone_digits)
    }

    /// What duplicate matching compares; `account_name` is the chosen account's name (the
    /// contact's company).
    pub fn match_keys(&self, account_name: Option<&str>) -> crate::duplicates::MatchKeys {
        crate::duplicates::MatchKeys {
            email: self.email_normalized(),
            business_phone: self.business_phone_digits(),
            mobile_phone: self.mobile_phone_digits(),
            company: account_name.and_then(normalize_name),
            last_name: Some(self.last_name_normalized()),
        }
    }
}

/// Checks the contact form.
pub fn validate_contact(input: &ContactInput) -> Result<ContactFields, AppError> {
    let mut errors = crate::types::text::check_form_text(input);
    let last_name = optional(&input.last_name).unwrap_or_default();
    if last_name.is_empty() {
        errors.insert("last_name".into(), "Enter the contact's last name.".into());
    }
    let fields = ContactFields {
        first_name: optional(&input.first_name),
        last_name,
        job_title: optional(&input.job_title),
        account_id: record_id(&mut errors, "account_id", &input.account_id),
        email: email(&mut errors, &input.email),
        business_phone: phone(&mut errors, "business_phone", &input.business_phone),
        mobile_phone: phone(&mut errors, "mobile_phone", &input.mobile_phone),
        street: optional(&input.street),
        city: optional(&input.city),
        state_province: optional(&input.state_province),
        postal_code: optional(&input.postal_code),
        country: optional(&input.country),
    };
    if errors.is_empty() {
        Ok(fields)
    } else {
        Err(AppError::Validation(errors))
    }
}

/// The contact record as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactSummary {
    pub id: i64,
    pub fields: ContactFields,
    pub account: Option<RecordLink>,
    pub originating_lead: Option<RecordLink>,
    pub active: bool,
    pub owner_id: i64,
    pub owner_name: String,
    pub version: i64,
    pub can_edit: bool,
    /// Managers and admins may give the record to another owner.
    pub can_assign: bool,
    /// Where the contact is the customer or a stakeholder (with the role).
    pub opportunities: Vec<RelatedOpportunity>,
    pub history: Vec<HistoryEntry>,
    pub lists: crate::lists::RecordLists,
    pub consent: crate::lists::Consent,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contact_needs_a_last_name_and_valid_details() {
        let ok = ContactInput {
            first_name: "Ann".into(),
            last_name: "Quorvik".into(),
            account_id: "12".into(),
            ..ContactInput::default()
        };
        let valid = validate_contact(&ok).unwrap();
        assert_eq!(
            (valid.full_name().as_str(), valid.account_id),
            ("Ann Quorvik", Some(12))
        );
        let bad = ContactInput {
            email: "ann@".into(),
            mobile_phone: "call me".into(),
            account_id: "x".into(),
            ..ContactInput::default()
        };
        let Err(AppError::Validation(errors)) = validate_contact(&bad) else {
            panic!("expected field errors");
        };
        let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
        assert_eq!(fields, ["account_id", "email", "last_name", "mobile_phone"]);
    }

    #[test]
    fn match_keys_take_the_company_from_the_account() {
        let fields = validate_contact(&ContactInput {
            last_name: " Quorvik ".into(),
            mobile_phone: "+47 900 11 222".into(),
            ..ContactInput::default()
        })
        .unwrap();
        let keys = fields.match_keys(Some("Fjord  Robotics"));
        assert_eq!(keys.company.as_deref(), Some("fjord robotics"));
        assert_eq!(keys.last_name.as_deref(), Some("quorvik"));
        assert_eq!(keys.mobile_phone.as_deref(), Some("4790011222"));
        assert_eq!(fields.match_keys(None).company, None);
    }
}
