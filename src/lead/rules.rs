//! Pure lead rules: validating what a user typed into a new lead.

use super::LeadSource;
use crate::error::{AppError, FieldErrors};
use crate::types::Email;
use crate::types::normalize::{normalize_name, phone_digits};
use serde::{Deserialize, Serialize};

/// The quick-create form as typed (the trade-show case: a few fields, on a phone).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct QuickLeadInput {
    pub topic: String,
    pub first_name: String,
    pub last_name: String,
    pub company_name: String,
    pub email: String,
    pub phone: String,
    pub lead_source: String,
}

/// A new lead that passed validation, with the comparable forms used for duplicate matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLead {
    pub topic: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company_name: Option<String>,
    pub email: Option<Email>,
    pub business_phone: Option<String>,
    pub lead_source: Option<LeadSource>,
}

impl NewLead {
    pub fn last_name_normalized(&self) -> Option<String> {
        self.last_name.as_deref().and_then(normalize_name)
    }
    pub fn company_normalized(&self) -> Option<String> {
        self.company_name.as_deref().and_then(normalize_name)
    }
    pub fn phone_digits(&self) -> Option<String> {
        self.business_phone.as_deref().and_then(phone_digits)
    }
}

fn optional(value: &str) -> Option<String> {
    let trimmed = value.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

/// Checks every field at once, so the form can show all problems together.
pub fn validate_quick_lead(input: &QuickLeadInput) -> Result<NewLead, AppError> {
    let mut errors = FieldErrors::new();
    let topic = optional(&input.topic);
    if topic.is_none() {
        errors.insert(
            "topic".into(),
            "Enter a topic: what is this lead about?".into(),
        );
    }
    let last_name = optional(&input.last_name);
    let company_name = optional(&input.company_name);
    if last_name.is_none() && company_name.is_none() {
        errors.insert(
            "last_name".into(),
            "Enter a last name or a company name.".into(),
        );
    }
    let email = match optional(&input.email) {
        None => None,
        Some(text) => Email::parse(&text)
            .map_err(|message| errors.insert("email".into(), message.into()))
            .ok(),
    };
    let phone = optional(&input.phone);
    if let Some(text) = &phone {
        let allowed = text
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c));
        if !allowed || phone_digits(text).is_none() {
            errors.insert(
                "phone".into(),
                "Enter a phone number with at least 7 digits, like +1 425 555 0100.".into(),
            );
        }
    }
    let lead_source = match optional(&input.lead_source) {
        None => None,
        Some(code) => {
            let source = LeadSource::from_code(&code);
            if source.is_none() {
                errors.insert(
                    "lead_source".into(),
                    "Choose a lead source from the list.".into(),
                );
            }
            source
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(NewLead {
        topic: topic.unwrap_or_default(),
        first_name: optional(&input.first_name),
        last_name,
        company_name,
        email,
        business_phone: phone,
        lead_source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> QuickLeadInput {
        QuickLeadInput {
            topic: " Booth visit ".into(),
            first_name: "Ann".into(),
            last_name: "Lee".into(),
            company_name: "Blue  Foods".into(),
            email: "Ann.Lee@Blue.example".into(),
            phone: "+1 (425) 555-0100".into(),
            lead_source: "trade_show".into(),
        }
    }

    #[test]
    fn a_complete_quick_lead_is_trimmed_and_normalized() {
        let lead = validate_quick_lead(&input()).unwrap();
        assert_eq!(lead.topic, "Booth visit");
        assert_eq!(lead.company_normalized().as_deref(), Some("blue foods"));
        assert_eq!(lead.last_name_normalized().as_deref(), Some("lee"));
        assert_eq!(lead.phone_digits().as_deref(), Some("14255550100"));
        assert_eq!(lead.email.unwrap().normalized(), "ann.lee@blue.example");
        assert_eq!(lead.lead_source, Some(LeadSource::TradeShow));
    }

    #[test]
    fn a_company_alone_is_enough_without_a_last_name() {
        let lead = validate_quick_lead(&QuickLeadInput {
            last_name: " ".into(),
            first_name: String::new(),
            ..input()
        })
        .unwrap();
        assert_eq!(lead.last_name, None);
        assert_eq!(lead.company_name.as_deref(), Some("Blue  Foods"));
    }

    #[test]
    fn every_invalid_field_is_reported() {
        let Err(AppError::Validation(errors)) = validate_quick_lead(&QuickLeadInput {
            topic: "  ".into(),
            first_name: "Ann".into(),
            last_name: String::new(),
            company_name: String::new(),
            email: "ann@".into(),
            phone: "call me".into(),
            lead_source: "carrier pigeon".into(),
        }) else {
            panic!("expected field errors");
        };
        assert_eq!(
            errors.keys().map(String::as_str).collect::<Vec<_>>(),
            ["email", "last_name", "lead_source", "phone", "topic"]
        );
    }

    #[test]
    fn short_phone_numbers_are_rejected() {
        let result = validate_quick_lead(&QuickLeadInput {
            phone: "555-01".into(),
            ..input()
        });
        assert!(result.unwrap_err().field_message("phone").is_some());
    }
}
