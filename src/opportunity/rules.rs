//! Pure opportunity rules: stage gating, probability and forecast from the stage unless
//! overridden, and what closing as won or lost needs.

use super::ForecastCategory;
use crate::error::{AppError, FieldErrors};
use crate::process::{StageInfo, StepState};
use crate::types::{Currency, Money, Probability};
use serde::{Deserialize, Serialize};

/// A stage's defaults, applied when the opportunity moves into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageDefaults {
    pub probability: u8,
    pub forecast: ForecastCategory,
}

/// The opportunity's probability and forecast category, each either following the stage or
/// set by hand on this record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forecast {
    pub probability: u8,
    pub probability_overridden: bool,
    pub category: ForecastCategory,
    pub category_overridden: bool,
}

impl Forecast {
    /// Moving into a stage takes its defaults, except what the user overrode.
    pub fn at_stage(self, stage: StageDefaults) -> Forecast {
        Forecast {
            probability: if self.probability_overridden {
                self.probability
            } else {
                stage.probability
            },
            category: if self.category_overridden {
                self.category
            } else {
                stage.forecast
            },
            ..self
        }
    }

    /// What the form asked for: an empty probability or "follow the stage" clears an
    /// override; a value the user did not change keeps following the stage.
    pub fn from_form(
        self,
        probability: Option<u8>,
        category: Option<ForecastCategory>,
        stage: StageDefaults,
    ) -> Forecast {
        let (probability, probability_overridden) = match probability {
            None => (stage.probability, false),
            Some(p) if !self.probability_overridden && p == self.probability => (p, false),
            Some(p) => (p, true),
        };
        let (category, category_overridden) = match category {
            None => (stage.forecast, false),
            Some(c) if !self.category_overridden && c == self.category => (c, false),
            Some(c) => (c, true),
        };
        Forecast {
            probability,
            probability_overridden,
            category,
            category_overridden,
        }
    }
}

/// Which way a stage move goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StageMove {
    Next,
    Previous,
}

/// The stage a move leads to. `stages` are the opportunity stages of the process in order;
/// Next Stage needs every required step of the current stage done.
pub fn stage_after_move(
    stages: &[StageInfo],
    current: i64,
    steps: &[StepState],
    direction: StageMove,
) -> Result<i64, AppError> {
    let conflict = |message: String| AppError::Conflict {
        message,
        changed_fields: vec![],
    };
    let index = stages
        .iter()
        .position(|stage| stage.id == current)
        .ok_or_else(|| conflict("This opportunity's stage is not in its process.".into()))?;
    match direction {
        StageMove::Next => {
            let missing: Vec<&str> = steps
                .iter()
                .filter(|step| step.required && !step.done)
                .map(|step| step.name.as_str())
                .collect();
            if !missing.is_empty() {
                return Err(conflict(format!(
                    "Complete the required steps of {} first: {}.",
                    stages[index].name,
                    missing.join(", ")
                )));
            }
            stages.get(index + 1).map(|stage| stage.id).ok_or_else(|| {
                conflict(format!(
                    "{} is the last stage: close the opportunity as won or lost.",
                    stages[index].name
                ))
            })
        }
        StageMove::Previous => index
            .checked_sub(1)
            .map(|previous| stages[previous].id)
            .ok_or_else(|| {
                conflict(format!(
                    "{} is the first stage of an opportunity.",
                    stages[index].name
                ))
            }),
    }
}

/// The stage a board move leads to: back to any earlier stage, or forward only past stages
/// whose required steps are all done (`steps_of` holds the record's steps per stage).
pub fn stage_after_jump(
    stages: &[StageInfo],
    current: i64,
    target: i64,
    steps_of: &std::collections::HashMap<i64, Vec<StepState>>,
) -> Result<i64, AppError> {
    let position = |id: i64| stages.iter().position(|stage| stage.id == id);
    let (Some(from), Some(to)) = (position(current), position(target)) else {
        return Err(AppError::field(
            "stage",
            "Choose a stage of this opportunity's process.",
        ));
    };
    for stage in stages.iter().take(to).skip(from) {
        let steps = steps_of
            .get(&stage.id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        stage_after_move(stages, stage.id, steps, StageMove::Next)?;
    }
    Ok(target)
}

/// Close as Won, as typed: empty revenue means the estimate, empty date means today.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CloseWonInput {
    pub actual_revenue: String,
    pub actual_close_date: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseWon {
    pub actual_revenue_minor: i64,
    pub actual_close_date: chrono::NaiveDate,
}

fn parse_date(
    errors: &mut FieldErrors,
    field: &str,
    text: &str,
    today: chrono::NaiveDate,
) -> chrono::NaiveDate {
    match text.trim() {
        "" => today,
        text => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|_| {
            errors.insert(field.into(), "Enter a date like 2026-11-23.".into());
            today
        }),
    }
}

pub fn validate_close_won(
    input: &CloseWonInput,
    estimated_revenue_minor: Option<i64>,
    currency: Currency,
    today: chrono::NaiveDate,
) -> Result<CloseWon, AppError> {
    let mut errors = FieldErrors::new();
    let revenue = match input.actual_revenue.trim() {
        "" => estimated_revenue_minor.unwrap_or(0),
        text => match Money::parse(text, currency) {
            Ok(money) if money.is_negative() => {
                errors.insert(
                    "actual_revenue".into(),
                    "Revenue cannot be negative.".into(),
                );
                0
            }
            Ok(money) => money.minor,
            Err(message) => {
                errors.insert("actual_revenue".into(), message.into());
                0
            }
        },
    };
    let date = parse_date(
        &mut errors,
        "actual_close_date",
        &input.actual_close_date,
        today,
    );
    if errors.is_empty() {
        Ok(CloseWon {
            actual_revenue_minor: revenue,
            actual_close_date: date,
        })
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Close as Lost, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CloseLostInput {
    pub reason: String,
    pub competitor: String,
    pub description: String,
    pub actual_close_date: String,
}

/// A lost reason as the close dialog offers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct LostReason {
    pub id: i64,
    pub code: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseLost {
    pub reason_id: i64,
    pub competitor_id: Option<i64>,
    pub description: Option<String>,
    pub actual_close_date: chrono::NaiveDate,
}

/// A reason is required; Out-Sold needs the competitor; Other needs a description.
pub fn validate_close_lost(
    input: &CloseLostInput,
    reasons: &[LostReason],
    today: chrono::NaiveDate,
) -> Result<CloseLost, AppError> {
    let mut errors = FieldErrors::new();
    let reason = reasons.iter().find(|r| r.code == input.reason.trim());
    if reason.is_none() {
        errors.insert(
            "reason".into(),
            "Choose why the opportunity was lost.".into(),
        );
    }
    let competitor_id = match input.competitor.trim() {
        "" => None,
        id => match id.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                errors.insert(
                    "competitor".into(),
                    "Choose a competitor from the list.".into(),
                );
                None
            }
        },
    };
    let code = reason.map(|r| r.code.as_str());
    if code == Some("out_sold") && competitor_id.is_none() {
        errors.insert(
            "competitor".into(),
            "Out-Sold: choose the competitor who won.".into(),
        );
    }
    let description = Some(input.description.trim().to_string()).filter(|d| !d.is_empty());
    if code == Some("other") && description.is_none() {
        errors.insert(
            "description".into(),
            "Other: describe why the opportunity was lost.".into(),
        );
    }
    let date = parse_date(
        &mut errors,
        "actual_close_date",
        &input.actual_close_date,
        today,
    );
    match (reason, errors.is_empty()) {
        (Some(reason), true) => Ok(CloseLost {
            reason_id: reason.id,
            competitor_id,
            description,
            actual_close_date: date,
        }),
        _ => Err(AppError::Validation(errors)),
    }
}

/// Parses the probability typed in the form: empty follows the stage.
pub fn parse_probability(text: &str) -> Result<Option<u8>, AppError> {
    match text.trim() {
        "" => Ok(None),
        text => Probability::parse(text)
            .map(|p| Some(p.percent()))
            .map_err(|message| AppError::field("probability", message)),
    }
}

/// An opportunity's contact belongs to its account (or to none): never account A with a
/// contact of account B. `contact_account` is the chosen contact's account.
pub fn check_contact_of_account(
    account_id: Option<i64>,
    contact_account: Option<i64>,
) -> Result<(), AppError> {
    match (account_id, contact_account) {
        (Some(account), Some(works_at)) if account != works_at => Err(AppError::field(
            "contact_id",
            "This contact works at another account: choose a contact of this account, or change the account.",
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contact_must_work_at_the_opportunitys_account() {
        assert!(check_contact_of_account(Some(1), Some(1)).is_ok());
        assert!(check_contact_of_account(Some(1), None).is_ok());
        assert!(check_contact_of_account(None, Some(2)).is_ok());
        let error = check_contact_of_account(Some(1), Some(2)).unwrap_err();
        assert!(error.field_message("contact_id").is_some());
    }

    fn stages() -> Vec<StageInfo> {
        ["Develop", "Propose", "Close"]
            .iter()
            .enumerate()
            .map(|(i, name)| StageInfo {
                id: i as i64 + 2,
                name: (*name).into(),
            })
            .collect()
    }

    fn step(name: &str, required: bool, done: bool) -> StepState {
        StepState {
            id: 1,
            name: name.into(),
            required,
            field_bound: false,
            done,
            guidance: None,
        }
    }

    #[test]
    fn next_stage_is_blocked_by_required_steps_naming_them() {
        let steps = [
            step("Customer need", true, false),
            step("Identify stakeholders", false, false),
            step("Proposed solution", true, false),
        ];
        let error = stage_after_move(&stages(), 2, &steps, StageMove::Next).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Complete the required steps of Develop first: Customer need, Proposed solution."
        );
        let done = [
            step("Customer need", true, true),
            step("Identify stakeholders", false, false),
        ];
        assert_eq!(
            stage_after_move(&stages(), 2, &done, StageMove::Next),
            Ok(3)
        );
    }

    #[test]
    fn moves_stop_at_the_ends_and_previous_is_never_gated() {
        assert!(
            stage_after_move(&stages(), 4, &[], StageMove::Next)
                .unwrap_err()
                .to_string()
                .contains("close the opportunity")
        );
        assert!(stage_after_move(&stages(), 2, &[], StageMove::Previous).is_err());
        let blocked = [step("Develop proposal", true, false)];
        assert_eq!(
            stage_after_move(&stages(), 3, &blocked, StageMove::Previous),
            Ok(2)
        );
    }

    #[test]
    fn a_jump_forward_checks_every_stage_it_leaves() {
        let mut steps = std::collections::HashMap::new();
        steps.insert(2, vec![step("Customer need", true, true)]);
        steps.insert(3, vec![step("Develop proposal", true, false)]);
        assert_eq!(stage_after_jump(&stages(), 2, 3, &steps), Ok(3));
        let blocked = stage_after_jump(&stages(), 2, 4, &steps).unwrap_err();
        assert!(
            blocked
                .to_string()
                .contains("Propose first: Develop proposal")
        );
        assert_eq!(stage_after_jump(&stages(), 4, 2, &steps), Ok(2));
        assert!(stage_after_jump(&stages(), 2, 99, &steps).is_err());
    }

    const PROPOSE: StageDefaults = StageDefaults {
        probability: 50,
        forecast: ForecastCategory::BestCase,
    };

    #[test]
    fn a_stage_sets_probability_and_forecast_unless_overridden() {
        let following = Forecast {
            probability: 25,
            probability_overridden: false,
            category: ForecastCategory::Pipeline,
            category_overridden: false,
        };
        assert_eq!(
            following.at_stage(PROPOSE),
            Forecast {
                probability: 50,
                category: ForecastCategory::BestCase,
                ..following
            }
        );
        let overridden = Forecast {
            probability: 70,
            probability_overridden: true,
            ..following
        };
        let moved = overridden.at_stage(PROPOSE);
        assert_eq!(
            (moved.probability, moved.category),
            (70, ForecastCategory::BestCase)
        );
    }

    #[test]
    fn the_form_overrides_only_what_changed_and_clears_on_empty() {
        let following = Forecast {
            probability: 50,
            probability_overridden: false,
            category: ForecastCategory::BestCase,
            category_overridden: false,
        };
        // Saved unchanged: still following the stage.
        assert_eq!(
            following.from_form(Some(50), Some(ForecastCategory::BestCase), PROPOSE),
            following
        );
        let set = following.from_form(Some(65), Some(ForecastCategory::Committed), PROPOSE);
        assert!(set.probability_overridden && set.category_overridden);
        assert_eq!(set.probability, 65);
        assert_eq!(set.from_form(None, None, PROPOSE), following);
    }

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn close_won_defaults_to_the_estimate_and_today() {
        let won = validate_close_won(
            &CloseWonInput::default(),
            Some(500_000),
            Currency::USD,
            today(),
        )
        .unwrap();
        assert_eq!(
            (won.actual_revenue_minor, won.actual_close_date),
            (500_000, today())
        );
        let typed = CloseWonInput {
            actual_revenue: "4,200.50".into(),
            actual_close_date: "2026-11-02".into(),
        };
        let won = validate_close_won(&typed, Some(1), Currency::USD, today()).unwrap();
        assert_eq!(won.actual_revenue_minor, 420_050);
        let bad = CloseWonInput {
            actual_revenue: "-1".into(),
            actual_close_date: "yesterday".into(),
        };
        let Err(AppError::Validation(errors)) =
            validate_close_won(&bad, None, Currency::USD, today())
        else {
            panic!("expected field errors")
        };
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            ["actual_close_date", "actual_revenue"]
        );
    }

    fn reasons() -> Vec<LostReason> {
        ["canceled", "out_sold", "other"]
            .iter()
            .enumerate()
            .map(|(i, code)| LostReason {
                id: i as i64 + 1,
                code: (*code).into(),
                label: (*code).into(),
            })
            .collect()
    }

    #[test]
    fn close_lost_needs_a_reason_a_competitor_for_out_sold_and_words_for_other() {
        let lost = |reason: &str, competitor: &str, description: &str| {
            validate_close_lost(
                &CloseLostInput {
                    reason: reason.into(),
                    competitor: competitor.into(),
                    description: description.into(),
                    actual_close_date: String::new(),
                },
                &reasons(),
                today(),
            )
        };
        assert!(
            lost("", "", "")
                .unwrap_err()
                .field_message("reason")
                .is_some()
        );
        assert!(
            lost("out_sold", "", "")
                .unwrap_err()
                .field_message("competitor")
                .is_some()
        );
        assert_eq!(lost("out_sold", "7", "").unwrap().competitor_id, Some(7));
        assert!(
            lost("other", "", " ")
                .unwrap_err()
                .field_message("description")
                .is_some()
        );
        assert_eq!(lost("canceled", "", "").unwrap().reason_id, 1);
    }

    #[test]
    fn probability_is_a_whole_percent_or_empty() {
        assert_eq!(parse_probability(""), Ok(None));
        assert_eq!(parse_probability("40 %"), Ok(Some(40)));
        assert!(parse_probability("140").is_err());
    }
}

/// The opportunity form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OpportunityInput {
    pub topic: String,
    pub estimated_revenue: String,
    pub estimated_close_date: String,
    /// Empty: follow the stage.
    pub probability: String,
    /// Empty: follow the stage.
    pub forecast_category: String,
    pub rating: String,
    pub budget_amount: String,
    pub purchase_timeframe: String,
    pub purchase_process: String,
    pub need: String,
    pub current_situation: String,
    pub customer_need: String,
    pub proposed_solution: String,
    pub description: String,
    /// Whether the form carries the customer (clients that leave it out keep it as it is).
    pub with_customer: bool,
    /// The potential customer's account and contact ids ("" for none).
    pub account_id: String,
    pub contact_id: String,
}

/// An opportunity's own editable fields, validated (also their stored shape).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct OpportunityFields {
    pub topic: String,
    pub estimated_revenue_minor: Option<i64>,
    pub currency: String,
    pub estimated_close_date: Option<String>,
    pub rating: Option<Rating>,
    pub budget_amount_minor: Option<i64>,
    pub purchase_timeframe: Option<PurchaseTimeframe>,
    pub purchase_process: Option<PurchaseProcess>,
    pub need: Option<Need>,
    pub current_situation: Option<String>,
    pub customer_need: Option<String>,
    pub proposed_solution: Option<String>,
    pub description: Option<String>,
}

use crate::lead::rules::{choice, optional};
use crate::lead::{Need, PurchaseProcess, PurchaseTimeframe, Rating};

/// Field name → label (history and conflict messages use the labels).
pub const OPPORTUNITY_FIELD_LABELS: &[(&str, &str)] = &[
    ("topic", "Topic"),
    ("estimated_revenue", "Estimated revenue"),
    ("estimated_close_date", "Estimated close date"),
    ("probability", "Probability"),
    ("forecast_category", "Forecast category"),
    ("rating", "Rating"),
    ("budget_amount", "Budget amount"),
    ("purchase_timeframe", "Purchase timeframe"),
    ("purchase_process", "Purchase process"),
    ("need", "Need"),
    ("current_situation", "Current situation"),
    ("customer_need", "Customer need"),
    ("proposed_solution", "Proposed solution"),
    ("description", "Description"),
    ("account", "Account"),
    ("contact", "Contact"),
    ("stakeholder", "Stakeholder"),
    ("opportunity_competitor", "Competitor"),
    ("owner", "Owner"),
    ("stage", "Stage"),
    ("status", "Status"),
    ("actual_revenue", "Actual revenue"),
    ("actual_close_date", "Actual close date"),
    ("lost_reason", "Lost reason"),
    ("competitor", "Competitor"),
    ("close_description", "Close description"),
    ("created", "Created"),
    ("step", "Process step"),
    ("process", "Sales process"),
];

pub fn opportunity_field_label(field: &str) -> &str {
    crate::history::label_of(OPPORTUNITY_FIELD_LABELS, field)
}

impl OpportunityFields {
    fn money(&self, minor: Option<i64>) -> Option<String> {
        let currency = Currency::parse(&self.currency).unwrap_or(Currency::USD);
        minor.map(|m| Money::from_minor(m, currency).to_string())
    }

    /// Every field as the text a user reads, for history and change detection.
    pub fn display_values(&self) -> Vec<crate::history::FieldValue> {
        vec![
            ("topic", Some(self.topic.clone())),
            (
                "estimated_revenue",
                self.money(self.estimated_revenue_minor),
            ),
            ("estimated_close_date", self.estimated_close_date.clone()),
            ("rating", self.rating.map(|v| v.label().into())),
            ("budget_amount", self.money(self.budget_amount_minor)),
            (
                "purchase_timeframe",
                self.purchase_timeframe.map(|v| v.label().into()),
            ),
            (
                "purchase_process",
                self.purchase_process.map(|v| v.label().into()),
            ),
            ("need", self.need.map(|v| v.label().into())),
            ("current_situation", self.current_situation.clone()),
            ("customer_need", self.customer_need.clone()),
            ("proposed_solution", self.proposed_solution.clone()),
            ("description", self.description.clone()),
        ]
    }

    /// The form's text for these fields, with the probability and forecast as shown.
    pub fn to_input(&self, forecast: &Forecast) -> OpportunityInput {
        let currency = Currency::parse(&self.currency).unwrap_or(Currency::USD);
        let amount = |minor: Option<i64>| {
            minor
                .map(|m| Money::from_minor(m, currency).amount_text())
                .unwrap_or_default()
        };
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        let code = |value: Option<&'static str>| value.unwrap_or_default().to_string();
        OpportunityInput {
            topic: self.topic.clone(),
            estimated_revenue: amount(self.estimated_revenue_minor),
            estimated_close_date: text(&self.estimated_close_date),
            probability: forecast.probability.to_string(),
            forecast_category: forecast.category.code().into(),
            rating: code(self.rating.map(Rating::code)),
            budget_amount: amount(self.budget_amount_minor),
            purchase_timeframe: code(self.purchase_timeframe.map(PurchaseTimeframe::code)),
            purchase_process: code(self.purchase_process.map(PurchaseProcess::code)),
            need: code(self.need.map(Need::code)),
            current_situation: text(&self.current_situation),
            customer_need: text(&self.customer_need),
            proposed_solution: text(&self.proposed_solution),
            description: text(&self.description),
            with_customer: false,
            account_id: String::new(),
            contact_id: String::new(),
        }
    }
}

/// The form's fields plus what it asks for the probability and forecast (None: follow
/// the stage).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidOpportunity {
    pub fields: OpportunityFields,
    pub probability: Option<u8>,
    pub forecast_category: Option<ForecastCategory>,
    /// None: keep the customer.
    pub customer: Option<Customer>,
}

/// Who an opportunity would sell to: an account, a contact, or both (never neither).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Customer {
    pub account_id: Option<i64>,
    pub contact_id: Option<i64>,
}

/// Reads the customer fields of the form; both missing means "unchanged".
fn customer(errors: &mut FieldErrors, input: &OpportunityInput) -> Option<Customer> {
    if !input.with_customer {
        return None;
    }
    let mut id = |field: &str, text: &str| {
        let text = optional(text)?;
        text.parse::<i64>().ok().filter(|id| *id > 0).or_else(|| {
            errors.insert(
                field.into(),
                "Choose a record from the search results.".into(),
            );
            None
        })
    };
    let customer = Customer {
        account_id: id("account_id", &input.account_id),
        contact_id: id("contact_id", &input.contact_id),
    };
    let unreadable = errors.contains_key("account_id") || errors.contains_key("contact_id");
    if customer.account_id.is_none() && customer.contact_id.is_none() && !unreadable {
        errors.insert(
            "account_id".into(),
            "Choose an account or a contact: who would buy?".into(),
        );
    }
    Some(customer)
}

fn amount(errors: &mut FieldErrors, field: &str, text: &str, currency: Currency) -> Option<i64> {
    match Money::parse(&optional(text)?, currency) {
        Ok(money) if money.is_negative() => {
            errors.insert(field.into(), "The amount cannot be negative.".into());
            None
        }
        Ok(money) => Some(money.minor),
        Err(message) => {
            errors.insert(field.into(), message.into());
            None
        }
    }
}

/// Checks every field at once. Only open forecast categories can be chosen by hand.
pub fn validate_opportunity(
    input: &OpportunityInput,
    currency: Currency,
) -> Result<ValidOpportunity, AppError> {
    let mut errors = crate::types::text::check_form_text(input);
    let topic = optional(&input.topic).unwrap_or_default();
    if topic.is_empty() {
        errors.insert(
            "topic".into(),
            "Enter a topic: what is this opportunity about?".into(),
        );
    }
    let estimated_close_date = optional(&input.estimated_close_date).filter(|text| {
        let valid = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok();
        if !valid {
            errors.insert(
                "estimated_close_date".into(),
                "Enter a date like 2026-11-23.".into(),
            );
        }
        valid
    });
    let probability = parse_probability(&input.probability).unwrap_or_else(|error| {
        errors.insert(
            "probability".into(),
            error.field_message("probability").unwrap_or_default(),
        );
        None
    });
    let forecast_category = choice(
        &mut errors,
        "forecast_category",
        &input.forecast_category,
        |code| {
            ForecastCategory::from_code(code)
                .filter(|c| !matches!(c, ForecastCategory::Won | ForecastCategory::Lost))
        },
        "Choose Pipeline, Best case, Committed or Omitted (Won and Lost come from closing).",
    );
    let pick = "Choose a value from the list.";
    let fields = OpportunityFields {
        topic,
        estimated_revenue_minor: amount(
            &mut errors,
            "estimated_revenue",
            &input.estimated_revenue,
            currency,
        ),
        currency: currency.code().to_string(),
        estimated_close_date,
        rating: choice(
            &mut errors,
            "rating",
            &input.rating,
            Rating::from_code,
            pick,
        ),
        budget_amount_minor: amount(&mut errors, "budget_amount", &input.budget_amount, currency),
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
        need: choice(&mut errors, "need", &input.need, Need::from_code, pick),
        current_situation: optional(&input.current_situation),
        customer_need: optional(&input.customer_need),
        proposed_solution: optional(&input.proposed_solution),
        description: optional(&input.description),
    };
    let customer = customer(&mut errors, input);
    if errors.is_empty() {
        Ok(ValidOpportunity {
            fields,
            probability,
            forecast_category,
            customer,
        })
    } else {
        Err(AppError::Validation(errors))
    }
}

#[cfg(test)]
mod form_tests {
    use super::*;

    #[test]
    fn the_customer_is_kept_changed_or_required() {
        let with = |account: Option<&str>, contact: Option<&str>| {
            validate_opportunity(
                &OpportunityInput {
                    topic: "Espresso fleet".into(),
                    with_customer: account.is_some() || contact.is_some(),
                    account_id: account.unwrap_or_default().into(),
                    contact_id: contact.unwrap_or_default().into(),
                    ..OpportunityInput::default()
                },
                Currency::USD,
            )
        };
        assert_eq!(
            with(None, None).unwrap().customer,
            None,
            "not sent: unchanged"
        );
        assert_eq!(
            with(Some(""), Some("7")).unwrap().customer,
            Some(Customer {
                account_id: None,
                contact_id: Some(7)
            })
        );
        let message = |result: Result<ValidOpportunity, AppError>, field: &str| match result {
            Err(AppError::Validation(errors)) => errors.get(field).cloned(),
            _ => None,
        };
        assert_eq!(
            message(with(Some(""), Some(" ")), "account_id").as_deref(),
            Some("Choose an account or a contact: who would buy?")
        );
        assert_eq!(
            message(with(Some("acme"), Some("")), "account_id").as_deref(),
            Some("Choose a record from the search results.")
        );
        assert!(message(with(Some("3"), Some("-1")), "contact_id").is_some());
    }

    #[test]
    fn every_invalid_field_is_reported_and_valid_ones_round_trip() {
        let Err(AppError::Validation(errors)) = validate_opportunity(
            &OpportunityInput {
                estimated_revenue: "-5".into(),
                estimated_close_date: "soon".into(),
                probability: "120".into(),
                forecast_category: "won".into(),
                need: "lots".into(),
                ..OpportunityInput::default()
            },
            Currency::USD,
        ) else {
            panic!("expected field errors");
        };
        assert_eq!(
            errors.keys().map(String::as_str).collect::<Vec<_>>(),
            [
                "estimated_close_date",
                "estimated_revenue",
                "forecast_category",
                "need",
                "probability",
                "topic"
            ]
        );
        let input = OpportunityInput {
            topic: "Espresso fleet".into(),
            estimated_revenue: "48,000".into(),
            estimated_close_date: "2027-01-31".into(),
            probability: "40".into(),
            forecast_category: "committed".into(),
            customer_need: "Coffee for 300".into(),
            ..OpportunityInput::default()
        };
        let valid = validate_opportunity(&input, Currency::USD).unwrap();
        assert_eq!(valid.fields.estimated_revenue_minor, Some(4_800_000));
        assert_eq!(
            (valid.probability, valid.forecast_category),
            (Some(40), Some(ForecastCategory::Committed))
        );
        let forecast = Forecast {
            probability: 40,
            probability_overridden: true,
            category: ForecastCategory::Committed,
            category_overridden: true,
        };
        let again = validate_opportunity(&valid.fields.to_input(&forecast), Currency::USD).unwrap();
        assert_eq!(again, valid);
    }
}
