//! What other systems' option values mean in Leadflow: Salesforce picklist values and
//! Dynamics 365 option labels for lead sources, lead statuses, opportunity outcomes and
//! forecast categories, and the yes/no and currency cells their exports write. A value
//! none of these know goes to the value-mapping step, where the user picks.

use super::values::{match_option, normalize};
use crate::lead::{LeadSource, LeadStatusReason};
use crate::opportunity::{ForecastCategory, OpportunityStatus};

/// Other systems' lead sources (Leadflow's own codes and labels match without a table).
pub const LEAD_SOURCE_SYNONYMS: &[(&str, LeadSource)] = &[
    ("Website", LeadSource::Web),
    ("Web Site", LeadSource::Web),
    ("Web Form", LeadSource::Web),
    ("Online Form", LeadSource::Web),
    ("Partner Referral", LeadSource::Partner),
    ("Seminar - Internal", LeadSource::Seminar),
    ("Seminar - Partner", LeadSource::Seminar),
    ("Webinar", LeadSource::Seminar),
    ("Tradeshow", LeadSource::TradeShow),
    ("Employee", LeadSource::EmployeeReferral),
    ("Referral", LeadSource::ExternalReferral),
    ("Customer Referral", LeadSource::ExternalReferral),
    ("Advertising", LeadSource::Advertisement),
    ("PR", LeadSource::PublicRelations),
    ("Word of mouth", LeadSource::WordOfMouth),
    ("Phone Inquiry", LeadSource::Other),
    ("Purchased List", LeadSource::Other),
    ("Cold Call", LeadSource::Other),
];

/// Lead statuses: Salesforce's default picklist, and Dynamics' status reasons (which are
/// Leadflow's labels already).
pub const LEAD_REASON_SYNONYMS: &[(&str, LeadStatusReason)] = &[
    ("Open - Not Contacted", LeadStatusReason::New),
    ("Open", LeadStatusReason::New),
    ("Working - Contacted", LeadStatusReason::Contacted),
    ("Working", LeadStatusReason::Contacted),
    ("Closed - Converted", LeadStatusReason::Qualified),
    ("Converted", LeadStatusReason::Qualified),
    ("Closed - Not Converted", LeadStatusReason::Lost),
    ("Disqualified", LeadStatusReason::Lost),
    ("Cancelled", LeadStatusReason::Canceled),
];

/// Forecast categories: Salesforce's `ForecastCategoryName` values ("Closed" follows the
/// outcome, so it is not here).
pub const FORECAST_SYNONYMS: &[(&str, ForecastCategory)] = &[
    ("Commit", ForecastCategory::Committed),
    ("Best", ForecastCategory::BestCase),
    ("Omit", ForecastCategory::Omitted),
];

/// A yes/no cell: `true`/`false`, `1`/`0`, `yes`/`no`, `y`/`n`, `x`/blank (as spreadsheets
/// tick a column). `None` for anything else.
pub fn parse_flag(text: &str) -> Option<bool> {
    match normalize(text).as_str() {
        "1" | "true" | "yes" | "y" | "x" | "checked" => Some(true),
        "" | "0" | "false" | "no" | "n" | "unchecked" => Some(false),
        _ => None,
    }
}

/// Whether a currency cell names US dollars, the one currency Leadflow records (`USD`,
/// `US Dollar`, `$`, or blank, which means the system's default).
pub fn is_us_dollars(text: &str) -> bool {
    let text = text.trim();
    text.is_empty()
        || text == "$"
        || matches!(
            normalize(text).as_str(),
            "usd" | "usdollar" | "usdollars" | "dollar"
        )
}

/// How an imported opportunity ended, from whichever columns the file has: a status
/// (Dynamics `Status`: Open, Won, Lost), won/closed flags (Salesforce `IsWon`, `IsClosed`) or
/// the stage name (Salesforce's `Closed Won` / `Closed Lost`). `None` when they disagree or
/// say nothing readable.
pub fn opportunity_outcome(
    status: Option<&str>,
    won: Option<&str>,
    closed: Option<&str>,
    stage: Option<&str>,
) -> Option<OpportunityStatus> {
    let mut answers = Vec::new();
    if let Some(status) = status.filter(|s| !s.trim().is_empty()) {
        answers.push(match_option::<OpportunityStatus>(status, &[])?);
    }
    match (won.and_then(parse_flag), closed.and_then(parse_flag)) {
        (Some(true), _) => answers.push(OpportunityStatus::Won),
        (Some(false), Some(true)) => answers.push(OpportunityStatus::Lost),
        (_, Some(false)) => answers.push(OpportunityStatus::Open),
        _ => {}
    }
    match stage.map(normalize).as_deref() {
        Some("closedwon" | "won") => answers.push(OpportunityStatus::Won),
        Some("closedlost" | "lost") => answers.push(OpportunityStatus::Lost),
        _ => {}
    }
    let first = answers.first().copied().unwrap_or(OpportunityStatus::Open);
    answers
        .iter()
        .all(|answer| *answer == first)
        .then_some(first)
}

/// The lost reason a Dynamics status reason or a Salesforce loss reason names, as the code of
/// one of Leadflow's built-in reasons (`canceled`, `out_sold`, `other`); other texts are
/// matched against the admin's reasons by label.
pub fn built_in_lost_reason(text: &str) -> Option<&'static str> {
    match normalize(text).as_str() {
        "canceled" | "cancelled" => Some("canceled"),
        "outsold" | "losttocompetitor" | "competitor" => Some("out_sold"),
        "other" | "lost" => Some("other"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_systems_option_values_map() {
        assert_eq!(
            match_option("Web", LEAD_SOURCE_SYNONYMS),
            Some(LeadSource::Web)
        );
        assert_eq!(
            match_option("Partner Referral", LEAD_SOURCE_SYNONYMS),
            Some(LeadSource::Partner)
        );
        assert_eq!(
            match_option("Trade Show", LEAD_SOURCE_SYNONYMS),
            Some(LeadSource::TradeShow)
        );
        assert_eq!(match_option("Carrier pigeon", LEAD_SOURCE_SYNONYMS), None);
        assert_eq!(
            match_option("Closed - Converted", LEAD_REASON_SYNONYMS),
            Some(LeadStatusReason::Qualified)
        );
        assert_eq!(
            match_option("Cannot Contact", LEAD_REASON_SYNONYMS),
            Some(LeadStatusReason::CannotContact)
        );
        assert_eq!(
            match_option("Commit", FORECAST_SYNONYMS),
            Some(ForecastCategory::Committed)
        );
        assert_eq!(
            match_option("Best Case", FORECAST_SYNONYMS),
            Some(ForecastCategory::BestCase)
        );
    }

    #[test]
    fn flags_and_currencies() {
        for yes in ["1", "TRUE", "yes", "x"] {
            assert_eq!(parse_flag(yes), Some(true), "{yes}");
        }
        for no in ["", "0", "false", "No"] {
            assert_eq!(parse_flag(no), Some(false), "{no}");
        }
        assert_eq!(parse_flag("maybe"), None);
        for usd in ["US Dollar", "USD", "$", "", "usd "] {
            assert!(is_us_dollars(usd), "{usd}");
        }
        for other in ["Euro", "EUR", "£", "US Dollars and Euros"] {
            assert!(!is_us_dollars(other), "{other}");
        }
    }

    #[test]
    fn an_outcome_from_whatever_columns_the_file_has() {
        use OpportunityStatus::*;
        // Salesforce: flags and the stage name.
        assert_eq!(
            opportunity_outcome(None, Some("1"), Some("1"), Some("Closed Won")),
            Some(Won)
        );
        assert_eq!(
            opportunity_outcome(None, Some("0"), Some("1"), Some("Closed Lost")),
            Some(Lost)
        );
        assert_eq!(
            opportunity_outcome(None, Some(""), Some(""), Some("Qualification")),
            Some(Open)
        );
        // Dynamics: the status column.
        assert_eq!(
            opportunity_outcome(Some("Won"), None, None, Some("Close")),
            Some(Won)
        );
        assert_eq!(
            opportunity_outcome(Some("Open"), None, None, None),
            Some(Open)
        );
        // Disagreements and unreadable statuses go to the user.
        assert_eq!(
            opportunity_outcome(Some("Won"), Some("0"), Some("1"), None),
            None
        );
        assert_eq!(opportunity_outcome(Some("Pending"), None, None, None), None);
        assert_eq!(opportunity_outcome(None, None, None, None), Some(Open));
    }

    #[test]
    fn lost_reasons_from_other_systems() {
        assert_eq!(built_in_lost_reason("Out-Sold"), Some("out_sold"));
        assert_eq!(built_in_lost_reason("Canceled"), Some("canceled"));
        assert_eq!(built_in_lost_reason("Cancelled"), Some("canceled"));
        assert_eq!(built_in_lost_reason("Price too high"), None);
    }
}
