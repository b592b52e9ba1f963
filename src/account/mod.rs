//! Accounts (companies): the form's rules, the record page's data, and the record's
//! related contacts, opportunities and originating leads.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;
pub mod pages;

use crate::error::{AppError, FieldErrors};
use crate::history::{FieldValue, HistoryEntry};
use crate::lead::rules::{email, optional, phone, website};
use crate::types::normalize::{normalize_name, phone_digits};
use crate::types::{Currency, Money, RecordLink};
use serde::{Deserialize, Serialize};

/// The account form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountInput {
    pub name: String,
    pub website: String,
    pub phone: String,
    pub email: String,
    pub industry: String,
    pub street: String,
    pub city: String,
    pub state_province: String,
    pub postal_code: String,
    pub country: String,
    pub employees: String,
    pub annual_revenue: String,
    /// Record ids from the pickers (empty: none).
    pub parent_account_id: String,
    pub primary_contact_id: String,
}

/// An account's own fields, validated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AccountFields {
    pub name: String,
    pub website: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub industry: Option<String>,
    pub street: Option<String>,
    pub city: Option<String>,
    pub state_province: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub employees: Option<i64>,
    pub annual_revenue_minor: Option<i64>,
    pub parent_account_id: Option<i64>,
    pub primary_contact_id: Option<i64>,
}

/// Field name → label (history and conflict messages).
pub const ACCOUNT_FIELD_LABELS: &[(&str, &str)] = &[
    ("name", "Account name"),
    ("website", "Website"),
    ("phone", "Phone"),
    ("email", "Email"),
    ("industry", "Industry"),
    ("street", "Street"),
    ("city", "City"),
    ("state_province", "State/Province"),
    ("postal_code", "Postal code"),
    ("country", "Country"),
    ("employees", "Number of employees"),
    ("annual_revenue", "Annual revenue"),
    ("parent_account", "Parent account"),
    ("primary_contact", "Primary contact"),
    ("active", "Status"),
    ("created", "Created"),
];

pub fn account_field_label(field: &str) -> &str {
    crate::history::label_of(ACCOUNT_FIELD_LABELS, field)
}

impl AccountFields {
    pub fn annual_revenue(&self) -> Option<Money> {
        self.annual_revenue_minor
            .map(|minor| Money::from_minor(minor, Currency::USD))
    }

    /// Every field as a user reads it; the linked records by the names given.
    pub fn display_values(
        &self,
        parent: Option<&str>,
        primary_contact: Option<&str>,
    ) -> Vec<FieldValue> {
        let text = |value: &Option<String>| value.clone();
        vec![
            ("name", Some(self.name.clone())),
            ("website", text(&self.website)),
            ("phone", text(&self.phone)),
            ("email", text(&self.email)),
            ("industry", text(&self.industry)),
            ("street", text(&self.street)),
            ("city", text(&self.city)),
            ("state_province", text(&self.state_province)),
            ("postal_code", text(&self.postal_code)),
            ("country", text(&self.country)),
            ("employees", self.employees.map(|n| n.to_string())),
            (
                "annual_revenue",
                self.annual_revenue().map(|m| m.to_string()),
            ),
            ("parent_account", parent.map(str::to_string)),
            ("primary_contact", primary_contact.map(str::to_string)),
        ]
    }

    /// The form's text for these fields.
    pub fn to_input(&self) -> AccountInput {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        let number = |value: Option<i64>| value.map(|v| v.to_string()).unwrap_or_default();
        AccountInput {
            name: self.name.clone(),
            website: text(&self.website),
            phone: text(&self.phone),
            email: text(&self.email),
            industry: text(&self.industry),
            street: text(&self.street),
            city: text(&self.city),
            state_province: text(&self.state_province),
            postal_code: text(&self.postal_code),
            country: text(&self.country),
            employees: number(self.employees),
            annual_revenue: self
                .annual_revenue()
                .map(|m| m.amount_text())
                .unwrap_or_default(),
            parent_account_id: number(self.parent_account_id),
            primary_contact_id: number(self.primary_contact_id),
        }
    }

    pub fn name_normalized(&self) -> String {
        normalize_name(&self.name).unwrap_or_default()
    }
    pub fn email_normalized(&self) -> Option<String> {
        self.email.as_deref().map(|e| e.trim().to_lowercase())
    }
    pub fn phone_digits(&self) -> Option<String> {
        self.phone.as_deref().and_then(phone_digits)
    }

    /// What duplicate matching compares (see `duplicates`).
    pub fn match_keys(&self) -> crate::duplicates::MatchKeys {
        crate::duplicates::MatchKeys {
            email: self.email_normalized(),
            business_phone: self.phone_digits(),
            mobile_phone: None,
            company: Some(self.name_normalized()),
            last_name: None,
        }
    }
}

/// A picker's record id: empty is none; anything else must be a number.
pub(crate) fn record_id(errors: &mut FieldErrors, field: &str, input: &str) -> Option<i64> {
    let text = optional(input)?;
    let id = text.parse().ok().filter(|id: &i64| *id > 0);
    if id.is_none() {
        errors.insert(field.into(), "Choose a record from the search.".into());
    }
    id
}

/// Checks the account form; `own_id` is the account being edited (it cannot be its own
/// parent).
pub fn validate_account(
    input: &AccountInput,
    own_id: Option<i64>,
) -> Result<AccountFields, AppError> {
    let mut errors = crate::types::text::check_form_text(input);
    let name = optional(&input.name).unwrap_or_default();
    if name.is_empty() {
        errors.insert("name".into(), "Enter the account name.".into());
    }
    let employees = optional(&input.employees).and_then(|text| {
        let count = text
            .replace([',', ' '], "")
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0);
        if count.is_none() {
            errors.insert(
                "employees".into(),
                "Enter the number of employees as a whole number, 0 or more.".into(),
            );
        }
        count
    });
    let annual_revenue_minor =
        optional(&input.annual_revenue).and_then(|text| match Money::parse(&text, Currency::USD) {
            Ok(money) if money.is_negative() => {
                errors.insert(
                    "annual_revenue".into(),
                    "Annual revenue cannot be negative.".into(),
                );
                None
            }
            Ok(money) => Some(money.minor),
            Err(message) => {
                errors.insert("annual_revenue".into(), message.into());
                None
            }
        });
    let parent_account_id = record_id(&mut errors, "parent_account_id", &input.parent_account_id);
    if parent_account_id.is_some() && parent_account_id == own_id {
        errors.insert(
            "parent_account_id".into(),
            "An account cannot be its own parent.".into(),
        );
    }
    let fields = AccountFields {
        name,
        website: website(&mut errors, &input.website),
        phone: phone(&mut errors, "phone", &input.phone),
        email: email(&mut errors, &input.email),
        industry: optional(&input.industry),
        street: optional(&input.street),
        city: optional(&input.city),
        state_province: optional(&input.state_province),
        postal_code: optional(&input.postal_code),
        country: optional(&input.country),
        employees,
        annual_revenue_minor,
        parent_account_id,
        primary_contact_id: record_id(&mut errors, "primary_contact_id", &input.primary_contact_id),
    };
    if errors.is_empty() {
        Ok(fields)
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Whether making `parent` the parent of `account` would close a loop: `ancestors` are
/// `parent`'s own ancestors, nearest first.
pub fn creates_cycle(account: i64, parent: i64, ancestors: &[i64]) -> bool {
    parent == account || ancestors.contains(&account)
}

/// An opportunity listed on an account or contact page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct RelatedOpportunity {
    pub id: i64,
    pub topic: String,
    pub status: crate::opportunity::OpportunityStatus,
    pub stage_name: String,
    /// Estimated while open, actual once won.
    pub revenue_minor: Option<i64>,
    pub close_date: Option<String>,
    /// On a contact page: "Customer" or the stakeholder role.
    pub role: Option<String>,
}

/// Counts and sums of an account's opportunities.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct OpportunityTotals {
    pub open_count: i64,
    pub open_estimated_minor: i64,
    pub won_count: i64,
    pub won_actual_minor: i64,
    pub lost_count: i64,
}

/// A contact listed on its account's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AccountContact {
    pub id: i64,
    pub name: String,
    pub job_title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// The account record as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSummary {
    pub id: i64,
    pub fields: AccountFields,
    pub parent: Option<RecordLink>,
    pub primary_contact: Option<RecordLink>,
    pub active: bool,
    pub owner_id: i64,
    pub owner_name: String,
    pub version: i64,
    pub can_edit: bool,
    /// Managers and admins may give the record to another owner.
    pub can_assign: bool,
    pub contacts: Vec<AccountContact>,
    pub opportunities: Vec<RelatedOpportunity>,
    pub totals: OpportunityTotals,
    pub originating_leads: Vec<RecordLink>,
    pub history: Vec<HistoryEntry>,
    pub lists: crate::lists::RecordLists,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str) -> AccountInput {
        AccountInput {
            name: name.into(),
            ..AccountInput::default()
        }
    }

    #[test]
    fn an_account_needs_a_name_and_valid_details() {
        assert!(validate_account(&input("Fjord Robotics"), None).is_ok());
        let bad = AccountInput {
            name: " ".into(),
            email: "not an email".into(),
            phone: "12".into(),
            website: "fjord robotics".into(),
            employees: "-3".into(),
            annual_revenue: "-1".into(),
            parent_account_id: "abc".into(),
            ..AccountInput::default()
        };
        let Err(AppError::Validation(errors)) = validate_account(&bad, None) else {
            panic!("expected field errors");
        };
        let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            [
                "annual_revenue",
                "email",
                "employees",
                "name",
                "parent_account_id",
                "phone",
                "website"
            ]
        );
    }

    #[test]
    fn numbers_and_money_are_parsed_exactly() {
        let valid = validate_account(
            &AccountInput {
                employees: "1,200".into(),
                annual_revenue: "2,500,000.50".into(),
                ..input("Fjord")
            },
            None,
        )
        .unwrap();
        assert_eq!(valid.employees, Some(1200));
        assert_eq!(valid.annual_revenue_minor, Some(250_000_050));
        assert_eq!(valid.to_input().annual_revenue, "2500000.50");
    }

    #[test]
    fn an_account_is_never_its_own_ancestor() {
        let own = AccountInput {
            parent_account_id: "7".into(),
            ..input("Fjord")
        };
        assert!(validate_account(&own, Some(7)).is_err());
        assert!(creates_cycle(1, 2, &[3, 1]));
        assert!(!creates_cycle(1, 2, &[3, 4]));
        assert!(creates_cycle(1, 1, &[]));
    }

    #[test]
    fn match_keys_use_the_normalized_name_email_and_phone() {
        let fields = validate_account(
            &AccountInput {
                email: " Info@Fjord.example ".into(),
                phone: "+47 22 33 44 55".into(),
                ..input("  Fjord   Robotics ")
            },
            None,
        )
        .unwrap();
        let keys = fields.match_keys();
        assert_eq!(keys.company.as_deref(), Some("fjord robotics"));
        assert_eq!(keys.email.as_deref(), Some("info@fjord.example"));
        assert_eq!(keys.business_phone.as_deref(), Some("4722334455"));
    }
}
