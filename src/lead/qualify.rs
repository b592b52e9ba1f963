//! The qualification plan: what Qualify will create or link, decided from the lead and the
//! user's choices before anything is written. The database then carries it out in one
//! transaction.

use super::rules::LeadFields;
use super::{LeadSource, LeadStatus, Need, PurchaseProcess, PurchaseTimeframe, Rating};
use crate::duplicates::DuplicateMatch;
use crate::error::{AppError, FieldErrors};
use serde::{Deserialize, Serialize};

/// The account or contact choice in the Qualify dialog: create one from the lead, link an
/// existing record, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Link {
    New,
    Existing(i64),
    None,
}

impl Link {
    /// Reads the form value: "new", "none" or a record id.
    pub fn parse(value: &str) -> Option<Link> {
        match value.trim() {
            "new" => Some(Link::New),
            "none" => Some(Link::None),
            id => id.parse().ok().filter(|id| *id > 0).map(Link::Existing),
        }
    }

    /// The form value of this choice.
    pub fn code(self) -> String {
        match self {
            Link::New => "new".into(),
            Link::None => "none".into(),
            Link::Existing(id) => id.to_string(),
        }
    }
}

/// A new account made from the lead's company fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub name: String,
    pub website: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// A new contact made from the lead's person fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContact {
    pub first_name: Option<String>,
    pub last_name: String,
    pub job_title: Option<String>,
    pub email: Option<String>,
    pub business_phone: Option<String>,
    pub mobile_phone: Option<String>,
}

/// The opportunity Qualify creates: the lead's answers carried over by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOpportunity {
    pub topic: String,
    pub budget_amount_minor: Option<i64>,
    pub currency: String,
    pub purchase_timeframe: Option<PurchaseTimeframe>,
    pub purchase_process: Option<PurchaseProcess>,
    pub need: Option<Need>,
    pub description: Option<String>,
    pub lead_source: Option<LeadSource>,
    pub rating: Option<Rating>,
    pub decision_maker_identified: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Planned<T> {
    Create(T),
    Link(i64),
    Skip,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QualificationPlan {
    pub account: Planned<NewAccount>,
    pub contact: Planned<NewContact>,
    pub opportunity: NewOpportunity,
}

/// One line of the carry-over preview: a lead field, where it goes, its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarryOver {
    pub field: String,
    pub target: String,
    pub value: String,
}

/// Everything the Qualify dialog shows before the user confirms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualifyPreview {
    pub lead_id: i64,
    pub version: i64,
    pub topic: String,
    /// The account a "new account" choice would create (none without a company name).
    pub new_account_name: Option<String>,
    /// The contact a "new contact" choice would create (none without a last name).
    pub new_contact_name: Option<String>,
    pub account_matches: Vec<DuplicateMatch>,
    pub contact_matches: Vec<DuplicateMatch>,
    pub default_account: Link,
    pub default_contact: Link,
    pub carry_over: Vec<CarryOver>,
}

/// The lead's values that go to the opportunity, as the preview lists them (empty ones
/// are left out: nothing to carry).
pub fn carry_over(lead: &LeadFields, owner_name: &str) -> Vec<CarryOver> {
    let carried = [
        "topic",
        "budget_amount",
        "purchase_timeframe",
        "purchase_process",
        "need",
        "description",
        "lead_source",
        "rating",
        "decision_maker_identified",
    ];
    let values = lead.display_values();
    let mut lines: Vec<CarryOver> = carried
        .iter()
        .filter_map(|field| {
            let value = values.iter().find(|(name, _)| name == field)?.1.clone()?;
            let label = super::rules::lead_field_label(field).to_string();
            Some(CarryOver {
                target: format!("Opportunity · {label}"),
                field: label,
                value,
            })
        })
        .collect();
    lines.push(CarryOver {
        field: "Owner".into(),
        target: "Opportunity · Owner".into(),
        value: owner_name.into(),
    });
    lines
}

/// The best default for a choice: the strongest match, else a new record when one can be
/// made, else none.
pub fn default_link(matches: &[DuplicateMatch], can_create: bool) -> Link {
    match (matches.first(), can_create) {
        (Some(best), _) => Link::Existing(best.id),
        (None, true) => Link::New,
        (None, false) => Link::None,
    }
}

/// Decides what Qualify does, or says why it cannot.
pub fn plan_qualification(
    lead: &LeadFields,
    status: LeadStatus,
    account: Link,
    contact: Link,
) -> Result<QualificationPlan, AppError> {
    super::rules::check_open(status)?;
    let mut errors = FieldErrors::new();
    let account = match account {
        Link::New => match &lead.company_name {
            Some(name) => Planned::Create(NewAccount {
                name: name.clone(),
                website: lead.website.clone(),
                phone: lead.business_phone.clone(),
                email: lead.email.clone(),
            }),
            None => {
                errors.insert(
                    "account".into(),
                    "This lead has no company name to create an account from. Pick an existing account or none.".into(),
                );
                Planned::Skip
            }
        },
        Link::Existing(id) => Planned::Link(id),
        Link::None => Planned::Skip,
    };
    let contact = match contact {
        Link::New => match &lead.last_name {
            Some(last_name) => Planned::Create(NewContact {
                first_name: lead.first_name.clone(),
                last_name: last_name.clone(),
                job_title: lead.job_title.clone(),
                email: lead.email.clone(),
                business_phone: lead.business_phone.clone(),
                mobile_phone: lead.mobile_phone.clone(),
            }),
            None => {
                errors.insert(
                    "contact".into(),
                    "This lead has no last name to create a contact from. Pick an existing contact or none.".into(),
                );
                Planned::Skip
            }
        },
        Link::Existing(id) => Planned::Link(id),
        Link::None => Planned::Skip,
    };
    if errors.is_empty() && account == Planned::Skip && contact == Planned::Skip {
        errors.insert(
            "account".into(),
            "An opportunity needs a potential customer: choose an account, a contact or both."
                .into(),
        );
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(QualificationPlan {
        account,
        contact,
        opportunity: NewOpportunity {
            topic: lead.topic.clone(),
            budget_amount_minor: lead.budget_amount_minor,
            currency: lead.currency.clone(),
            purchase_timeframe: lead.purchase_timeframe,
            purchase_process: lead.purchase_process,
            need: lead.need,
            description: lead.description.clone(),
            lead_source: lead.lead_source,
            rating: lead.rating,
            decision_maker_identified: lead.decision_maker_identified,
        },
    })
}

/// The account of the opportunity when Qualify links an existing contact that works at
/// `contact_account`: the opportunity must not name account A with a contact of account B.
/// The user's account choice must be that account (or none, which then means that account);
/// creating a new account or linking another one is a field error naming the contact's.
pub fn account_of_linked_contact(
    account: &Planned<NewAccount>,
    contact_account: Option<(i64, &str)>,
) -> Result<Option<i64>, crate::error::AppError> {
    match (account, contact_account) {
        (_, None) => Ok(None),
        (Planned::Skip, Some((id, _))) => Ok(Some(id)),
        (Planned::Link(chosen), Some((id, _))) if *chosen == id => Ok(Some(id)),
        (_, Some((_, name))) => Err(crate::error::AppError::field(
            "account",
            format!(
                "That contact works at {name}. Link {name} as the account, or choose another contact."
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_linked_contact_brings_its_own_account() {
        let new = Planned::Create(NewAccount {
            name: "Fabrikam".into(),
            website: None,
            phone: None,
            email: None,
        });
        let works_at = Some((7, "Contoso"));
        // No account of its own: the choice stands.
        assert_eq!(account_of_linked_contact(&new, None), Ok(None));
        // Its account, chosen or implied by "none".
        assert_eq!(
            account_of_linked_contact(&Planned::Link(7), works_at),
            Ok(Some(7))
        );
        assert_eq!(
            account_of_linked_contact(&Planned::Skip, works_at),
            Ok(Some(7))
        );
        // Another account, new or existing: a field error naming the contact's account.
        for wrong in [new, Planned::Link(8)] {
            let error = account_of_linked_contact(&wrong, works_at).unwrap_err();
            assert!(error.field_message("account").unwrap().contains("Contoso"));
        }
    }

    fn lead() -> LeadFields {
        LeadFields {
            topic: "50 espresso machines".into(),
            first_name: Some("Ann".into()),
            last_name: Some("Lee".into()),
            company_name: Some("Blue Foods".into()),
            email: Some("ann@blue.example".into()),
            budget_amount_minor: Some(2_000_000),
            currency: "USD".into(),
            purchase_timeframe: Some(PurchaseTimeframe::ThisQuarter),
            need: Some(Need::MustHave),
            ..LeadFields::default()
        }
    }

    #[test]
    fn new_account_and_contact_come_from_the_lead() {
        let plan = plan_qualification(&lead(), LeadStatus::Open, Link::New, Link::New).unwrap();
        let Planned::Create(account) = plan.account else {
            panic!("expected a new account")
        };
        assert_eq!(account.name, "Blue Foods");
        let Planned::Create(contact) = plan.contact else {
            panic!("expected a new contact")
        };
        assert_eq!(
            (contact.first_name.as_deref(), contact.last_name.as_str()),
            (Some("Ann"), "Lee")
        );
        assert_eq!(plan.opportunity.topic, "50 espresso machines");
        assert_eq!(plan.opportunity.budget_amount_minor, Some(2_000_000));
        assert_eq!(
            plan.opportunity.purchase_timeframe,
            Some(PurchaseTimeframe::ThisQuarter)
        );
    }

    #[test]
    fn existing_records_are_linked_not_created() {
        let plan =
            plan_qualification(&lead(), LeadStatus::Open, Link::Existing(4), Link::None).unwrap();
        assert_eq!(plan.account, Planned::Link(4));
        assert_eq!(plan.contact, Planned::Skip);
    }

    #[test]
    fn impossible_choices_are_field_errors() {
        let no_company = LeadFields {
            company_name: None,
            ..lead()
        };
        let error =
            plan_qualification(&no_company, LeadStatus::Open, Link::New, Link::New).unwrap_err();
        assert!(error.field_message("account").is_some());
        let no_last_name = LeadFields {
            last_name: None,
            ..lead()
        };
        let error =
            plan_qualification(&no_last_name, LeadStatus::Open, Link::None, Link::New).unwrap_err();
        assert!(error.field_message("contact").is_some());
        let nobody =
            plan_qualification(&lead(), LeadStatus::Open, Link::None, Link::None).unwrap_err();
        assert!(
            nobody
                .field_message("account")
                .unwrap()
                .contains("customer")
        );
    }

    #[test]
    fn closed_leads_cannot_be_qualified() {
        for status in [LeadStatus::Qualified, LeadStatus::Disqualified] {
            let error = plan_qualification(&lead(), status, Link::New, Link::New).unwrap_err();
            assert_eq!(error.status_code(), 409);
        }
    }

    #[test]
    fn the_preview_lists_carried_values_with_labels() {
        let lines = carry_over(&lead(), "Riley Rep");
        let fields: Vec<_> = lines.iter().map(|l| l.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "Topic",
                "Budget amount",
                "Purchase timeframe",
                "Need",
                "Owner"
            ]
        );
        assert_eq!(lines[1].value, "USD 20,000.00");
        assert_eq!(lines[2].target, "Opportunity · Purchase timeframe");
    }

    #[test]
    fn links_parse_from_the_form() {
        assert_eq!(Link::parse("new"), Some(Link::New));
        assert_eq!(Link::parse(" 12 "), Some(Link::Existing(12)));
        assert_eq!(Link::parse("none"), Some(Link::None));
        assert_eq!(Link::parse("-3"), None);
        assert_eq!(Link::Existing(5).code(), "5");
        assert_eq!(default_link(&[], true), Link::New);
        assert_eq!(default_link(&[], false), Link::None);
    }
}
