//! Rows of the records that point at others, read into their forms' input and validated as
//! the forms would: accounts (a parent), contacts (an account), opportunities (a customer,
//! a stage and how they ended) and activities (the record they are about). A reference
//! stays the text the file gives (a source id, a name or an email) until the database
//! resolves it. Pure functions, tested without a database.

use super::rows::{RowProblems, cells, option_code, validation_problems};
use super::sources::{
    FORECAST_SYNONYMS, LEAD_SOURCE_SYNONYMS, built_in_lost_reason, is_us_dollars,
    opportunity_outcome, parse_flag,
};
use super::values::{DateOrder, DateProblem, match_option, normalize, parse_amount, parse_date};
use crate::account::{AccountFields, AccountInput, validate_account};
use crate::activity::rules::{ValidActivity, validate_activity};
use crate::activity::{ActivityInput, ActivityKind};
use crate::contact::{ContactFields, ContactInput, validate_contact};
use crate::lead::{LeadSource, Need, PurchaseProcess, PurchaseTimeframe, Rating};
use crate::opportunity::rules::{OpportunityInput, ValidOpportunity, validate_opportunity};
use crate::opportunity::{ForecastCategory, OpportunityStatus};
use crate::spreadsheet::amount_cell;
use crate::types::Currency;

/// What every imported row carries besides its record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub source_id: Option<String>,
    /// The owner's name or email, as the file gives it.
    pub owner: Option<String>,
}

impl Origin {
    /// Takes the cell if it is the source id or the owner.
    fn take(&mut self, field: &str, text: &str) -> bool {
        let value = Some(text.to_string()).filter(|t| !t.is_empty());
        match field {
            "source_id" => self.source_id = value,
            "owner" => self.owner = value,
            _ => return false,
        }
        true
    }
}

fn reference(text: String) -> Option<String> {
    Some(text).filter(|t| !t.is_empty())
}

/// A date cell as the forms take it (`YYYY-MM-DD`), or its problem.
fn date_text(
    problems: &mut RowProblems,
    field: &str,
    text: &str,
    order: Option<DateOrder>,
) -> String {
    if text.is_empty() {
        return String::new();
    }
    match parse_date(text, order) {
        Ok(day) => day.to_string(),
        Err(DateProblem::Ambiguous) => {
            problems.insert(
                field.into(),
                format!("\"{text}\" reads as two dates: say whether the file's dates are month first or day first."),
            );
            String::new()
        }
        Err(DateProblem::Invalid(message)) => {
            problems.insert(field.into(), message);
            String::new()
        }
    }
}

/// An amount cell as the forms take it, or its problem.
fn money_text(problems: &mut RowProblems, field: &str, text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    match parse_amount(text) {
        Ok(cents) => amount_cell(cents),
        Err(message) => {
            problems.insert(field.into(), message);
            String::new()
        }
    }
}

fn finish<T>(row: T, problems: RowProblems) -> Result<T, RowProblems> {
    if problems.is_empty() {
        Ok(row)
    } else {
        Err(problems)
    }
}

/// An account row; its parent is resolved later.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountRow {
    pub fields: AccountFields,
    pub parent: Option<String>,
    pub origin: Origin,
}

pub fn account_row(
    fields: &[Option<&'static str>],
    values: &[String],
) -> Result<AccountRow, RowProblems> {
    let mut input = AccountInput::default();
    let mut row = AccountRow::default();
    let mut problems = RowProblems::new();
    for (field, text) in cells(fields, values) {
        if row.origin.take(field, &text) {
            continue;
        }
        match field {
            "name" => input.name = text,
            "website" => input.website = text,
            "phone" => input.phone = text,
            "email" => input.email = text,
            "industry" => input.industry = text,
            "street" => input.street = text,
            "city" => input.city = text,
            "state_province" => input.state_province = text,
            "postal_code" => input.postal_code = text,
            "country" => input.country = text,
            "employees" => input.employees = text,
            "annual_revenue" => input.annual_revenue = money_text(&mut problems, field, &text),
            "parent_account" => row.parent = reference(text),
            _ => {}
        }
    }
    match validate_account(&input, None) {
        Ok(fields) => row.fields = fields,
        Err(error) => validation_problems(&mut problems, error),
    }
    finish(row, problems)
}

/// A contact row; its account is resolved later.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactRow {
    pub fields: ContactFields,
    pub account: Option<String>,
    pub origin: Origin,
}

pub fn contact_row(
    fields: &[Option<&'static str>],
    values: &[String],
) -> Result<ContactRow, RowProblems> {
    let mut input = ContactInput::default();
    let mut row = ContactRow::default();
    let mut problems = RowProblems::new();
    for (field, text) in cells(fields, values) {
        if row.origin.take(field, &text) {
            continue;
        }
        match field {
            "first_name" => input.first_name = text,
            "last_name" => input.last_name = text,
            "job_title" => input.job_title = text,
            "email" => input.email = text,
            "business_phone" => input.business_phone = text,
            "mobile_phone" => input.mobile_phone = text,
            "street" => input.street = text,
            "city" => input.city = text,
            "state_province" => input.state_province = text,
            "postal_code" => input.postal_code = text,
            "country" => input.country = text,
            "account" => row.account = reference(text),
            _ => {}
        }
    }
    match validate_contact(&input) {
        Ok(fields) => row.fields = fields,
        Err(error) => validation_problems(&mut problems, error),
    }
    finish(row, problems)
}

/// How an imported opportunity ended, as far as the file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    Open,
    Won {
        actual_revenue_minor: i64,
        actual_close_date: String,
    },
    Lost {
        /// A built-in reason's code, or the text to match against the admin's reasons.
        reason: String,
        actual_close_date: String,
    },
}

/// An opportunity row; its customer and stage are resolved later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpportunityRow {
    pub valid: ValidOpportunity,
    pub account: Option<String>,
    pub contact: Option<String>,
    /// The stage name the file gives (a closed one's last open stage is the process's last).
    pub stage: Option<String>,
    pub ending: Ending,
    pub lead_source: Option<LeadSource>,
    pub origin: Origin,
}

pub fn opportunity_row(
    fields: &[Option<&'static str>],
    values: &[String],
    order: Option<DateOrder>,
) -> Result<OpportunityRow, RowProblems> {
    let mut input = OpportunityInput::default();
    let mut origin = Origin::default();
    let mut problems = RowProblems::new();
    let (mut account, mut contact, mut stage, mut lead_source) = (None, None, None, None);
    let (mut status, mut won, mut closed, mut lost_reason) = (None, None, None, None);
    let (mut actual_revenue, mut actual_close_date) = (String::new(), String::new());
    for (field, text) in cells(fields, values) {
        if origin.take(field, &text) {
            continue;
        }
        match field {
            "topic" => input.topic = text,
            "account" => account = reference(text),
            "contact" => contact = reference(text),
            "estimated_revenue" => {
                input.estimated_revenue = money_text(&mut problems, field, &text)
            }
            "estimated_close_date" => {
                input.estimated_close_date = date_text(&mut problems, field, &text, order)
            }
            "actual_revenue" => actual_revenue = money_text(&mut problems, field, &text),
            "actual_close_date" => {
                actual_close_date = date_text(&mut problems, field, &text, order)
            }
            "stage" => stage = reference(text),
            "probability" => input.probability = text.trim_end_matches('%').trim().to_string(),
            "forecast_category" if !text.is_empty() => {
                match match_option::<ForecastCategory>(&text, FORECAST_SYNONYMS) {
                    Some(category)
                        if !matches!(category, ForecastCategory::Won | ForecastCategory::Lost) =>
                    {
                        input.forecast_category = category.code().into()
                    }
                    // "Closed" (and won/lost) follow the outcome.
                    Some(_) => {}
                    None if normalize(&text) == "closed" => {}
                    None => {
                        problems.insert(
                            field.into(),
                            format!("\"{text}\" is not a forecast category Leadflow knows."),
                        );
                    }
                }
            }
            "won" => won = Some(text),
            "closed" => closed = Some(text),
            "status" => status = Some(text),
            "status_reason" | "lost_reason" if !text.is_empty() => lost_reason = Some(text),
            "currency" if !is_us_dollars(&text) => {
                problems.insert(
                    field.into(),
                    format!("\"{text}\": Leadflow records amounts in US dollars only."),
                );
            }
            "rating" => input.rating = option_code::<Rating>(&mut problems, field, &text, &[]),
            "lead_source" => {
                lead_source = option_code(&mut problems, field, &text, LEAD_SOURCE_SYNONYMS)
                    .parse()
                    .ok()
            }
            "purchase_timeframe" => {
                input.purchase_timeframe =
                    option_code::<PurchaseTimeframe>(&mut problems, field, &text, &[])
            }
            "purchase_process" => {
                input.purchase_process =
                    option_code::<PurchaseProcess>(&mut problems, field, &text, &[])
            }
            "need" => input.need = option_code::<Need>(&mut problems, field, &text, &[]),
            "customer_need" => input.customer_need = text,
            "proposed_solution" => input.proposed_solution = text,
            "current_situation" => input.current_situation = text,
            "description" => input.description = text,
            _ => {}
        }
    }
    // A Dynamics status reason that is a lost reason ("Out-Sold") also says the deal was lost.
    let lost_by_reason = lost_reason.as_deref().and_then(built_in_lost_reason);
    let outcome = opportunity_outcome(
        status.as_deref(),
        won.as_deref(),
        closed.as_deref(),
        stage.as_deref(),
    );
    let ending = match outcome {
        None => {
            problems.insert(
                "status".into(),
                "The status, won/closed flags and stage disagree about how this deal ended.".into(),
            );
            Ending::Open
        }
        Some(OpportunityStatus::Open) if lost_by_reason.is_none() => Ending::Open,
        Some(OpportunityStatus::Won) => {
            // Salesforce keeps one amount: a won deal's is what it brought in.
            let revenue = if actual_revenue.is_empty() {
                input.estimated_revenue.clone()
            } else {
                actual_revenue
            };
            let close_date = closing_date(&actual_close_date, &input.estimated_close_date);
            match (parse_amount(&revenue), close_date) {
                (Ok(cents), Some(day)) if cents >= 0 => Ending::Won {
                    actual_revenue_minor: cents,
                    actual_close_date: day,
                },
                (revenue, day) => {
                    if !matches!(revenue, Ok(cents) if cents >= 0) {
                        problems.entry("actual_revenue".into()).or_insert_with(|| {
                            "A won deal needs its actual revenue (or amount), 0 or more.".into()
                        });
                    }
                    if day.is_none() {
                        problems
                            .entry("actual_close_date".into())
                            .or_insert_with(|| "A won deal needs its close date.".into());
                    }
                    Ending::Open
                }
            }
        }
        Some(_) => match closing_date(&actual_close_date, &input.estimated_close_date) {
            Some(day) => Ending::Lost {
                reason: lost_by_reason
                    .map(str::to_string)
                    .or(lost_reason)
                    .unwrap_or_else(|| "other".into()),
                actual_close_date: day,
            },
            None => {
                problems
                    .entry("actual_close_date".into())
                    .or_insert_with(|| "A lost deal needs its close date.".into());
                Ending::Open
            }
        },
    };
    let valid = match validate_opportunity(&input, Currency::USD) {
        Ok(valid) => Some(valid),
        Err(error) => {
            validation_problems(&mut problems, error);
            None
        }
    };
    match valid {
        Some(valid) if problems.is_empty() => Ok(OpportunityRow {
            valid,
            account,
            contact,
            stage,
            ending,
            lead_source,
            origin,
        }),
        _ => Err(problems),
    }
}

/// The day a closed deal closed: its actual close date, else its (estimated) close date.
fn closing_date(actual: &str, estimated: &str) -> Option<String> {
    [actual, estimated]
        .into_iter()
        .find(|day| !day.is_empty())
        .map(str::to_string)
}

/// An activity row; the record it is about is resolved later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRow {
    pub activity: ValidActivity,
    pub done: bool,
    /// The person it is with (a contact or lead), the record it is about (an opportunity or
    /// account), and the account.
    pub who: Option<String>,
    pub what: Option<String>,
    pub account: Option<String>,
    pub origin: Origin,
}

/// Other systems' activity types: Salesforce task subtypes, Dynamics activity types.
fn activity_kind(text: &str) -> Option<ActivityKind> {
    match normalize(text).as_str() {
        "" | "task" | "todo" | "appointment" | "meeting" | "event" => Some(ActivityKind::Task),
        "call" | "phonecall" | "phone" => Some(ActivityKind::PhoneCall),
        "email" | "note" | "listemail" => Some(ActivityKind::Note),
        _ => None,
    }
}

/// Whether an activity's status says it is done (Salesforce `Completed`, Dynamics
/// `Completed`/`Closed`, or a yes/no column).
fn is_done(text: &str) -> Option<bool> {
    match normalize(text).as_str() {
        "completed" | "complete" | "closed" | "done" => Some(true),
        "notstarted"
        | "inprogress"
        | "open"
        | "waitingonsomeoneelse"
        | "deferred"
        | "scheduled" => Some(false),
        _ => parse_flag(text),
    }
}

pub fn activity_row(
    fields: &[Option<&'static str>],
    values: &[String],
    order: Option<DateOrder>,
) -> Result<ActivityRow, RowProblems> {
    let mut input = ActivityInput::default();
    let mut origin = Origin::default();
    let mut problems = RowProblems::new();
    let (mut who, mut what, mut account, mut done) = (None, None, None, false);
    let mut kind = ActivityKind::Task;
    for (field, text) in cells(fields, values) {
        if origin.take(field, &text) {
            continue;
        }
        match field {
            "kind" => match activity_kind(&text) {
                Some(found) => kind = found,
                None => {
                    problems.insert(
                        field.into(),
                        format!("\"{text}\" is not an activity type Leadflow knows."),
                    );
                }
            },
            "subject" => input.subject = text,
            "body" => input.body = text,
            "due_date" => input.due_date = date_text(&mut problems, field, &text, order),
            "done" => match is_done(&text) {
                Some(flag) => done = done || flag,
                None => {
                    problems.insert(field.into(), format!("\"{text}\" is not done or not done."));
                }
            },
            "who" => who = reference(text),
            "what" => what = reference(text),
            "account" => account = reference(text),
            _ => {}
        }
    }
    input.kind = kind.code().into();
    if kind == ActivityKind::PhoneCall {
        // Exports rarely say which way a call went; the rep made it.
        input.direction = "outbound".into();
    }
    if who.is_none() && what.is_none() && account.is_none() {
        problems.insert(
            "what".into(),
            "Give the record this activity is about (a person, account or opportunity).".into(),
        );
    }
    match validate_activity(&input) {
        Ok(activity) if problems.is_empty() => Ok(ActivityRow {
            activity,
            done,
            who,
            what,
            account,
            origin,
        }),
        Ok(_) => Err(problems),
        Err(error) => {
            validation_problems(&mut problems, error);
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| v.to_string()).collect()
    }

    #[test]
    fn salesforce_closed_won_takes_its_amount_and_close_date() {
        let fields = [
            Some("source_id"),
            Some("topic"),
            Some("account"),
            Some("stage"),
            Some("estimated_revenue"),
            Some("estimated_close_date"),
            Some("won"),
            Some("closed"),
            Some("forecast_category"),
        ];
        let row = opportunity_row(
            &fields,
            &strings(&[
                "006A",
                "Big deal",
                "001A",
                "Closed Won",
                "1651993.36",
                "2023-06-17",
                "1",
                "1",
                "Closed",
            ]),
            None,
        )
        .unwrap();
        assert_eq!(
            row.ending,
            Ending::Won {
                actual_revenue_minor: 165_199_336,
                actual_close_date: "2023-06-17".into()
            }
        );
        assert_eq!(row.account.as_deref(), Some("001A"));
        assert_eq!(row.origin.source_id.as_deref(), Some("006A"));
        let lost = opportunity_row(
            &fields,
            &strings(&[
                "006B",
                "Lost one",
                "001A",
                "Closed Lost",
                "10",
                "2023-01-02",
                "",
                "1",
                "Omitted",
            ]),
            None,
        )
        .unwrap();
        assert_eq!(
            lost.ending,
            Ending::Lost {
                reason: "other".into(),
                actual_close_date: "2023-01-02".into()
            }
        );
    }

    #[test]
    fn dynamics_lost_status_reason_and_us_dates() {
        let fields = [
            Some("topic"),
            Some("account"),
            Some("status"),
            Some("status_reason"),
            Some("actual_close_date"),
            Some("currency"),
        ];
        let row = opportunity_row(
            &fields,
            &strings(&[
                "Fleet",
                "Contoso",
                "Lost",
                "Out-Sold",
                "3/4/2025 10:30 AM",
                "US Dollar",
            ]),
            Some(DateOrder::MonthFirst),
        )
        .unwrap();
        assert_eq!(
            row.ending,
            Ending::Lost {
                reason: "out_sold".into(),
                actual_close_date: "2025-03-04".into()
            }
        );
        let ambiguous = opportunity_row(
            &fields,
            &strings(&[
                "Fleet",
                "Contoso",
                "Lost",
                "Out-Sold",
                "3/4/2025",
                "US Dollar",
            ]),
            None,
        )
        .unwrap_err();
        assert!(ambiguous["actual_close_date"].contains("month first"));
        let euros = opportunity_row(
            &fields,
            &strings(&["Fleet", "Contoso", "Open", "", "", "Euro"]),
            None,
        )
        .unwrap_err();
        assert!(euros.contains_key("currency"));
        let bad_date = opportunity_row(
            &fields,
            &strings(&["Fleet", "Contoso", "Lost", "", "31/31/2024", ""]),
            None,
        )
        .unwrap_err();
        assert!(bad_date.contains_key("actual_close_date"));
    }

    #[test]
    fn contacts_accounts_and_activities_read_their_references() {
        let contact = contact_row(
            &[Some("last_name"), Some("account"), Some("email")],
            &strings(&["Ryan", "001X", "pat@example.com"]),
        )
        .unwrap();
        assert_eq!(contact.account.as_deref(), Some("001X"));
        assert_eq!(contact.fields.email.as_deref(), Some("pat@example.com"));
        let bad = contact_row(
            &[Some("last_name"), Some("email")],
            &strings(&["Ryan", "no-at"]),
        )
        .unwrap_err();
        assert!(bad.contains_key("email"));
        let account = account_row(
            &[Some("name"), Some("annual_revenue"), Some("employees")],
            &strings(&["Hill Group", "$6,759,560", "577"]),
        )
        .unwrap();
        assert_eq!(account.fields.annual_revenue_minor, Some(675_956_000));
        assert_eq!(account.fields.employees, Some(577));
        let task = activity_row(
            &[
                Some("subject"),
                Some("due_date"),
                Some("done"),
                Some("who"),
                Some("kind"),
            ],
            &strings(&["Onboarding", "2023-12-25", "Not Started", "003A", "Task"]),
            None,
        )
        .unwrap();
        assert_eq!(task.activity.due_date.as_deref(), Some("2023-12-25"));
        assert!(!task.done);
        assert_eq!(task.who.as_deref(), Some("003A"));
        let orphan = activity_row(&[Some("subject")], &strings(&["Call back"]), None).unwrap_err();
        assert!(orphan.contains_key("what"));
    }
}
