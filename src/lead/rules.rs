//! Pure lead rules: validating the lead form, what a record shows in its history, who may
//! change a lead, and which status moves are allowed.

use super::{
    BudgetStatus, LeadSource, LeadStatus, LeadStatusReason, Need, PurchaseProcess,
    PurchaseTimeframe, Rating,
};
use crate::error::{AppError, FieldErrors};
use crate::history::FieldValue;
use crate::types::normalize::{normalize_name, phone_digits};
use crate::types::{Currency, Email, Money};
use serde::{Deserialize, Serialize};

/// The lead form as typed, every field as text. Quick create sends only a few of them
/// (the rest default to empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LeadInput {
    pub topic: String,
    pub first_name: String,
    pub last_name: String,
    pub job_title: String,
    pub company_name: String,
    pub email: String,
    pub business_phone: String,
    pub mobile_phone: String,
    pub website: String,
    pub street: String,
    pub city: String,
    pub state_province: String,
    pub postal_code: String,
    pub country: String,
    pub description: String,
    pub lead_source: String,
    pub rating: String,
    pub budget_amount: String,
    pub budget_status: String,
    pub purchase_timeframe: String,
    pub purchase_process: String,
    /// "yes", "no" or empty (not known).
    pub decision_maker_identified: String,
    pub need: String,
}

/// A lead's own fields, validated (also the shape they are stored and shown in).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct LeadFields {
    pub topic: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub job_title: Option<String>,
    pub company_name: Option<String>,
    pub email: Option<String>,
    pub business_phone: Option<String>,
    pub mobile_phone: Option<String>,
    pub website: Option<String>,
    pub street: Option<String>,
    pub city: Option<String>,
    pub state_province: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub description: Option<String>,
    pub lead_source: Option<LeadSource>,
    pub rating: Option<Rating>,
    pub budget_amount_minor: Option<i64>,
    pub currency: String,
    pub budget_status: Option<BudgetStatus>,
    pub purchase_timeframe: Option<PurchaseTimeframe>,
    pub purchase_process: Option<PurchaseProcess>,
    pub decision_maker_identified: Option<bool>,
    pub need: Option<Need>,
}

/// Field name → label, in form order (history and conflict messages use the labels).
pub const LEAD_FIELD_LABELS: &[(&str, &str)] = &[
    ("topic", "Topic"),
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("job_title", "Job title"),
    ("email", "Email"),
    ("business_phone", "Business phone"),
    ("mobile_phone", "Mobile phone"),
    ("company_name", "Company"),
    ("website", "Website"),
    ("street", "Street"),
    ("city", "City"),
    ("state_province", "State/Province"),
    ("postal_code", "Postal code"),
    ("country", "Country"),
    ("lead_source", "Lead source"),
    ("rating", "Rating"),
    ("budget_amount", "Budget amount"),
    ("budget_status", "Budget status"),
    ("purchase_timeframe", "Purchase timeframe"),
    ("purchase_process", "Purchase process"),
    ("decision_maker_identified", "Decision maker identified"),
    ("need", "Need"),
    ("description", "Description"),
    ("owner", "Owner"),
    ("status", "Status"),
    ("status_reason", "Status reason"),
    ("created", "Created"),
    ("step", "Process step"),
    ("qualified_account", "Account"),
    ("qualified_contact", "Contact"),
    ("qualified_opportunity", "Opportunity"),
    ("do_not_email", "Do not email"),
    ("do_not_phone", "Do not phone"),
    ("do_not_mail", "Do not mail"),
];

/// The label of a lead field name (the name itself when unknown).
pub fn lead_field_label(field: &str) -> &str {
    crate::history::label_of(LEAD_FIELD_LABELS, field)
}

fn yes_no(value: bool) -> &'static str {
    if value { "Yes" } else { "No" }
}

impl LeadFields {
    fn currency(&self) -> Currency {
        Currency::parse(&self.currency).unwrap_or_else(|_| default_currency())
    }

    pub fn budget(&self) -> Option<Money> {
        self.budget_amount_minor
            .map(|minor| Money::from_minor(minor, self.currency()))
    }

    pub fn full_name(&self) -> String {
        [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Every field as the text a user reads, for history and change detection.
    pub fn display_values(&self) -> Vec<FieldValue> {
        let text = |value: &Option<String>| value.clone();
        vec![
            ("topic", Some(self.topic.clone())),
            ("first_name", text(&self.first_name)),
            ("last_name", text(&self.last_name)),
            ("job_title", text(&self.job_title)),
            ("email", text(&self.email)),
            ("business_phone", text(&self.business_phone)),
            ("mobile_phone", text(&self.mobile_phone)),
            ("company_name", text(&self.company_name)),
            ("website", text(&self.website)),
            ("street", text(&self.street)),
            ("city", text(&self.city)),
            ("state_province", text(&self.state_province)),
            ("postal_code", text(&self.postal_code)),
            ("country", text(&self.country)),
            ("lead_source", self.lead_source.map(|v| v.label().into())),
            ("rating", self.rating.map(|v| v.label().into())),
            ("budget_amount", self.budget().map(|m| m.to_string())),
            (
                "budget_status",
                self.budget_status.map(|v| v.label().into()),
            ),
            (
                "purchase_timeframe",
                self.purchase_timeframe.map(|v| v.label().into()),
            ),
            (
                "purchase_process",
                self.purchase_process.map(|v| v.label().into()),
            ),
            (
                "decision_maker_identified",
                self.decision_maker_identified.map(|v| yes_no(v).into()),
            ),
            ("need", self.need.map(|v| v.label().into())),
            ("description", text(&self.description)),
        ]
    }

    /// Whether a field-bound process step on this field is done: it has a value (and a
    /// yes/no answer is "yes").
    pub fn is_filled(&self, field: &str) -> bool {
        if field == "decision_maker_identified" {
            return self.decision_maker_identified == Some(true);
        }
        self.display_values()
            .into_iter()
            .any(|(name, value)| name == field && value.is_some())
    }

    /// The form's text for these fields (what an edit starts from).
    pub fn to_input(&self) -> LeadInput {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        let code = |value: Option<&'static str>| value.unwrap_or_default().to_string();
        LeadInput {
            topic: self.topic.clone(),
            first_name: text(&self.first_name),
            last_name: text(&self.last_name),
            job_title: text(&self.job_title),
            company_name: text(&self.company_name),
            email: text(&self.email),
            business_phone: text(&self.business_phone),
            mobile_phone: text(&self.mobile_phone),
            website: text(&self.website),
            street: text(&self.street),
            city: text(&self.city),
            state_province: text(&self.state_province),
            postal_code: text(&self.postal_code),
            country: text(&self.country),
            description: text(&self.description),
            lead_source: code(self.lead_source.map(LeadSource::code)),
            rating: code(self.rating.map(Rating::code)),
            budget_amount: self.budget().map(|m| m.amount_text()).unwrap_or_default(),
            budget_status: code(self.budget_status.map(BudgetStatus::code)),
            purchase_timeframe: code(self.purchase_timeframe.map(PurchaseTimeframe::code)),
            purchase_process: code(self.purchase_process.map(PurchaseProcess::code)),
            decision_maker_identified: code(
                self.decision_maker_identified
                    .map(|v| if v { "yes" } else { "no" }),
            ),
            need: code(self.need.map(Need::code)),
        }
    }

    pub fn last_name_normalized(&self) -> Option<String> {
        self.last_name.as_deref().and_then(normalize_name)
    }
    pub fn company_normalized(&self) -> Option<String> {
        self.company_name.as_deref().and_then(normalize_name)
    }
    pub fn email_normalized(&self) -> Option<String> {
        self.email
            .as_deref()
            .map(|email| email.trim().to_lowercase())
    }
    pub fn business_phone_digits(&self) -> Option<String> {
        self.business_phone.as_deref().and_then(phone_digits)
    }
    pub fn mobile_phone_digits(&self) -> Option<String> {
        self.mobile_phone.as_deref().and_then(phone_digits)
    }
}

/// The currency of lead budgets until the app lets accounts choose their own.
fn default_currency() -> Currency {
    Currency::USD
}

pub(crate) fn optional(value: &str) -> Option<String> {
    let trimmed = value.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

/// An optional choice from an option set; an unknown code is a field error.
pub(crate) fn choice<T>(
    errors: &mut FieldErrors,
    field: &str,
    input: &str,
    from_code: fn(&str) -> Option<T>,
    message: &str,
) -> Option<T> {
    let code = optional(input)?;
    let value = from_code(&code);
    if value.is_none() {
        errors.insert(field.into(), message.into());
    }
    value
}

pub(crate) fn phone(errors: &mut FieldErrors, field: &str, input: &str) -> Option<String> {
    let text = optional(input)?;
    let allowed = text
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if !allowed || phone_digits(&text).is_none() {
        errors.insert(
            field.into(),
            "Enter a phone number with at least 7 digits, like +1 425 555 0100.".into(),
        );
    }
    Some(text)
}

/// An optional email address, stored as typed (trimmed); a bad one is a field error.
pub(crate) fn email(errors: &mut FieldErrors, input: &str) -> Option<String> {
    optional(input).and_then(|text| {
        Email::parse(&text)
            .map_err(|message| errors.insert("email".into(), message.into()))
            .ok()
            .map(|email| email.as_str().to_string())
    })
}

/// An optional web address: no spaces, and a dot somewhere ("example.com").
/// A web address a link may point at: a host with a dot, optionally after `http://` or
/// `https://`. Any other scheme (`javascript:`, `data:`…) and markup characters are refused,
/// since the address becomes a link's target.
pub fn is_web_address(text: &str) -> bool {
    let scheme = text
        .split_once(':')
        .map(|(scheme, _)| scheme)
        .filter(|scheme| {
            scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-".contains(c))
        });
    let rest = match scheme {
        Some(scheme)
            if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") =>
        {
            match text[scheme.len() + 1..].strip_prefix("//") {
                Some(rest) => rest,
                None => return false,
            }
        }
        Some(_) => return false,
        None => text,
    };
    rest.contains('.')
        && !rest.starts_with('.')
        && !text.contains(|c: char| c.is_whitespace() || c.is_control() || "<>\"'`\\".contains(c))
}

pub(crate) fn website(errors: &mut FieldErrors, input: &str) -> Option<String> {
    let website = optional(input);
    if website.as_deref().is_some_and(|w| !is_web_address(w)) {
        errors.insert(
            "website".into(),
            "Enter a web address like example.com.".into(),
        );
    }
    website
}

/// Checks every field at once, so the form shows all problems together.
pub fn validate_lead(input: &LeadInput) -> Result<LeadFields, AppError> {
    let mut errors = crate::types::text::check_form_text(input);
    let topic = optional(&input.topic).unwrap_or_default();
    if topic.is_empty() {
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
    let email = email(&mut errors, &input.email);
    let business_phone = phone(&mut errors, "business_phone", &input.business_phone);
    let mobile_phone = phone(&mut errors, "mobile_phone", &input.mobile_phone);
    let website = website(&mut errors, &input.website);
    let currency = default_currency();
    let budget_amount_minor =
        optional(&input.budget_amount).and_then(|text| match Money::parse(&text, currency) {
            Ok(money) if money.is_negative() => {
                errors.insert(
                    "budget_amount".into(),
                    "The budget cannot be negative.".into(),
                );
                None
            }
            Ok(money) => Some(money.minor),
            Err(message) => {
                errors.insert("budget_amount".into(), message.into());
                None
            }
        });
    let decision_maker_identified = match input.decision_maker_identified.trim() {
        "" => None,
        "yes" => Some(true),
        "no" => Some(false),
        _ => {
            errors.insert(
                "decision_maker_identified".into(),
                "Choose Yes, No or Not known.".into(),
            );
            None
        }
    };
    let pick = "Choose a value from the list.";
    let fields = LeadFields {
        topic,
        first_name: optional(&input.first_name),
        last_name,
        job_title: optional(&input.job_title),
        company_name,
        email,
        business_phone,
        mobile_phone,
        website,
        street: optional(&input.street),
        city: optional(&input.city),
        state_province: optional(&input.state_province),
        postal_code: optional(&input.postal_code),
        country: optional(&input.country),
        description: optional(&input.description),
        lead_source: choice(
            &mut errors,
            "lead_source",
            &input.lead_source,
            LeadSource::from_code,
            "Choose a lead source from the list.",
        ),
        rating: choice(
            &mut errors,
            "rating",
            &input.rating,
            Rating::from_code,
            pick,
        ),
        budget_amount_minor,
        currency: currency.code().to_string(),
        budget_status: choice(
            &mut errors,
            "budget_status",
            &input.budget_status,
            BudgetStatus::from_code,
            pick,
        ),
        purchase_timeframe: choice(
            &mut errors,
            "purchase_timeframe",
            &input.purchase_timeframe,
            PurchaseTimeframe::from_code,
            pick,
        ),
        purchase_process: choice(
            &mut errors,
            "purchase_process",
            &input.purchase_process,
            PurchaseProcess::from_code,
            pick,
        ),
        decision_maker_identified,
        need: choice(&mut errors, "need", &input.need, Need::from_code, pick),
    };
    if errors.is_empty() {
        Ok(fields)
    } else {
        Err(AppError::Validation(errors))
    }
}

pub use crate::auth::check_can_edit;

fn read_only(status: LeadStatus) -> AppError {
    AppError::Conflict {
        message: format!(
            "This lead is {} and read-only. Reactivate it to make changes.",
            status.label()
        ),
        changed_fields: vec![],
    }
}

/// Only open leads can be edited.
pub fn check_open(status: LeadStatus) -> Result<(), AppError> {
    match status {
        LeadStatus::Open => Ok(()),
        LeadStatus::Qualified => Err(AppError::Conflict {
            message: "This lead is qualified and read-only: work on its opportunity instead."
                .into(),
            changed_fields: vec![],
        }),
        LeadStatus::Disqualified => Err(read_only(status)),
    }
}

/// Disqualify needs a disqualifying reason, and never applies to a lead whose
/// qualification created an opportunity.
pub fn check_disqualify(
    status: LeadStatus,
    has_opportunity: bool,
    reason: &str,
) -> Result<LeadStatusReason, AppError> {
    if has_opportunity {
        return Err(AppError::Conflict {
            message: "This lead was qualified into an opportunity, so it cannot be disqualified. Close the opportunity as lost instead.".into(),
            changed_fields: vec![],
        });
    }
    check_open(status)?;
    disqualify_reason(reason)
}

/// A disqualifying reason from its code (a reason that qualifies or reopens is refused).
pub fn disqualify_reason(reason: &str) -> Result<LeadStatusReason, AppError> {
    LeadStatusReason::from_code(reason.trim())
        .filter(|reason| reason.status() == LeadStatus::Disqualified)
        .ok_or_else(|| {
            AppError::field(
                "reason",
                "Choose why: Lost, Cannot Contact, No Longer Interested or Canceled.",
            )
        })
}

/// Reactivate reopens a disqualified lead (a qualified one lives on as its opportunity).
pub fn check_reactivate(status: LeadStatus, has_opportunity: bool) -> Result<(), AppError> {
    match status {
        LeadStatus::Disqualified if !has_opportunity => Ok(()),
        LeadStatus::Open => Err(AppError::Conflict {
            message: "This lead is already open.".into(),
            changed_fields: vec![],
        }),
        _ => Err(AppError::Conflict {
            message: "This lead was qualified into an opportunity; reopen the opportunity instead."
                .into(),
            changed_fields: vec![],
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websites_are_web_addresses_and_nothing_a_link_could_run() {
        for ok in [
            "example.com",
            "www.example.com/path?q=1",
            "https://example.com",
            "HTTP://example.com:8080/x",
            "example.com:8080",
        ] {
            assert!(is_web_address(ok), "{ok}");
        }
        for bad in [
            "javascript:alert(document.cookie)",
            "JavaScript:alert(1)//.com",
            "data:text/html,<script>x</script>.com",
            "vbscript:msgbox(1).com",
            "https:example.com",
            "example",
            "exa mple.com",
            "\"><img src=x>.com",
            ".com",
        ] {
            assert!(!is_web_address(bad), "{bad}");
        }
    }
    use crate::auth::{Role, User};

    fn input() -> LeadInput {
        LeadInput {
            topic: " Booth visit ".into(),
            first_name: "Ann".into(),
            last_name: "Lee".into(),
            company_name: "Blue  Foods".into(),
            email: "Ann.Lee@Blue.example".into(),
            business_phone: "+1 (425) 555-0100".into(),
            lead_source: "trade_show".into(),
            budget_amount: "12,500.50".into(),
            decision_maker_identified: "yes".into(),
            purchase_timeframe: "this_quarter".into(),
            ..LeadInput::default()
        }
    }

    #[test]
    fn a_complete_lead_is_trimmed_and_normalized() {
        let lead = validate_lead(&input()).unwrap();
        assert_eq!(lead.topic, "Booth visit");
        assert_eq!(lead.company_normalized().as_deref(), Some("blue foods"));
        assert_eq!(lead.last_name_normalized().as_deref(), Some("lee"));
        assert_eq!(lead.business_phone_digits().as_deref(), Some("14255550100"));
        assert_eq!(
            lead.email_normalized().as_deref(),
            Some("ann.lee@blue.example")
        );
        assert_eq!(lead.lead_source, Some(LeadSource::TradeShow));
        assert_eq!(lead.budget_amount_minor, Some(1_250_050));
        assert_eq!(lead.decision_maker_identified, Some(true));
    }

    #[test]
    fn the_form_round_trips_through_the_stored_fields() {
        let lead = validate_lead(&input()).unwrap();
        assert_eq!(validate_lead(&lead.to_input()).unwrap(), lead);
    }

    #[test]
    fn a_company_alone_is_enough_without_a_last_name() {
        let lead = validate_lead(&LeadInput {
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
        let Err(AppError::Validation(errors)) = validate_lead(&LeadInput {
            topic: "  ".into(),
            first_name: "Ann".into(),
            email: "ann@".into(),
            business_phone: "call me".into(),
            mobile_phone: "555-01".into(),
            website: "not a site".into(),
            lead_source: "carrier pigeon".into(),
            rating: "lukewarm".into(),
            budget_amount: "-5".into(),
            decision_maker_identified: "maybe".into(),
            need: "want".into(),
            ..LeadInput::default()
        }) else {
            panic!("expected field errors");
        };
        assert_eq!(
            errors.keys().map(String::as_str).collect::<Vec<_>>(),
            [
                "budget_amount",
                "business_phone",
                "decision_maker_identified",
                "email",
                "last_name",
                "lead_source",
                "mobile_phone",
                "need",
                "rating",
                "topic",
                "website"
            ]
        );
    }

    #[test]
    fn field_bound_steps_follow_the_values() {
        let mut lead = validate_lead(&input()).unwrap();
        assert!(lead.is_filled("purchase_timeframe"));
        assert!(lead.is_filled("budget_amount"));
        assert!(!lead.is_filled("purchase_process"));
        assert!(lead.is_filled("decision_maker_identified"));
        lead.decision_maker_identified = Some(false);
        assert!(!lead.is_filled("decision_maker_identified"));
    }

    #[test]
    fn history_values_are_labels_not_codes() {
        let lead = validate_lead(&input()).unwrap();
        let values = lead.display_values();
        let value = |field| values.iter().find(|(f, _)| *f == field).unwrap().1.clone();
        assert_eq!(value("lead_source").as_deref(), Some("Trade Show"));
        assert_eq!(value("budget_amount").as_deref(), Some("USD 12,500.50"));
        assert_eq!(lead_field_label("purchase_timeframe"), "Purchase timeframe");
    }

    fn user(id: i64, role: Role) -> User {
        User {
            id,
            email: "u@example.com".into(),
            name: "U".into(),
            role,
            active: true,
            version: 1,
        }
    }

    #[test]
    fn reps_edit_their_own_leads_and_managers_any() {
        assert!(check_can_edit(&user(1, Role::Rep), 1).is_ok());
        assert_eq!(
            check_can_edit(&user(1, Role::Rep), 2),
            Err(AppError::Forbidden)
        );
        assert!(check_can_edit(&user(1, Role::Manager), 2).is_ok());
        assert!(check_can_edit(&user(1, Role::Admin), 2).is_ok());
    }

    #[test]
    fn disqualify_needs_a_disqualifying_reason_and_no_opportunity() {
        assert_eq!(
            check_disqualify(LeadStatus::Open, false, "cannot_contact"),
            Ok(LeadStatusReason::CannotContact)
        );
        assert!(
            check_disqualify(LeadStatus::Open, false, "")
                .unwrap_err()
                .field_message("reason")
                .is_some()
        );
        assert!(check_disqualify(LeadStatus::Open, false, "contacted").is_err());
        let qualified = check_disqualify(LeadStatus::Qualified, true, "lost").unwrap_err();
        assert!(qualified.to_string().contains("cannot be disqualified"));
        assert!(check_disqualify(LeadStatus::Disqualified, false, "lost").is_err());
    }

    #[test]
    fn only_disqualified_leads_reactivate() {
        assert!(check_reactivate(LeadStatus::Disqualified, false).is_ok());
        assert!(check_reactivate(LeadStatus::Open, false).is_err());
        assert!(check_reactivate(LeadStatus::Qualified, true).is_err());
    }
}
