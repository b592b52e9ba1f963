//! One imported row read into a record's form input, and the dry run over a whole file:
//! every row mapped and validated as the form would, nothing written. Built for leads so
//! far; each cell's problem names its line and column.

use super::ImportEntity;
use super::csv_file::{Table, decode};
use super::mapping::suggest;
use super::sources::{LEAD_REASON_SYNONYMS, LEAD_SOURCE_SYNONYMS, parse_flag};
use super::values::{match_option, parse_amount};
use crate::error::AppError;
use crate::lead::rules::{LeadInput, validate_lead};
use crate::lead::{
    BudgetStatus, LeadStatusReason, Need, PurchaseProcess, PurchaseTimeframe, Rating,
};
use crate::options::OptionSet;
use std::collections::BTreeMap;

/// A lead row: the lead form's input, and what only an import carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeadRow {
    pub input: LeadInput,
    pub reason: Option<LeadStatusReason>,
    pub source_id: Option<String>,
    /// The owner's name or email, as the file gives it.
    pub owner: Option<String>,
}

/// The problems of one row: field name → message.
pub type RowProblems = BTreeMap<String, String>;

/// An option cell: its code, or a problem naming the value (the value-mapping step's input).
fn option_code<T: OptionSet>(
    problems: &mut RowProblems,
    field: &str,
    text: &str,
    synonyms: &[(&str, T)],
) -> String {
    if text.trim().is_empty() {
        return String::new();
    }
    match match_option(text, synonyms) {
        Some(option) => option.code().to_string(),
        None => {
            problems.insert(
                field.into(),
                format!("\"{}\" is not a value Leadflow knows here.", text.trim()),
            );
            String::new()
        }
    }
}

/// Reads a row whose columns map to `fields` (by position) into a lead.
pub fn lead_row(
    fields: &[Option<&'static str>],
    values: &[String],
) -> Result<LeadRow, RowProblems> {
    let mut row = LeadRow::default();
    let mut problems = RowProblems::new();
    for (field, value) in fields.iter().zip(values) {
        let Some(field) = field else { continue };
        let text = value.trim().to_string();
        let input = &mut row.input;
        match *field {
            "source_id" => row.source_id = Some(text).filter(|t| !t.is_empty()),
            "owner" => row.owner = Some(text).filter(|t| !t.is_empty()),
            "topic" => input.topic = text,
            "first_name" => input.first_name = text,
            "last_name" => input.last_name = text,
            "job_title" => input.job_title = text,
            "company_name" => input.company_name = text,
            "email" => input.email = text,
            "business_phone" => input.business_phone = text,
            "mobile_phone" => input.mobile_phone = text,
            "website" => input.website = text,
            "street" => input.street = text,
            "city" => input.city = text,
            "state_province" => input.state_province = text,
            "postal_code" => input.postal_code = text,
            "country" => input.country = text,
            "description" => input.description = text,
            "lead_source" => {
                input.lead_source = option_code(&mut problems, field, &text, LEAD_SOURCE_SYNONYMS)
            }
            "rating" => input.rating = option_code::<Rating>(&mut problems, field, &text, &[]),
            "budget_status" => {
                input.budget_status = option_code::<BudgetStatus>(&mut problems, field, &text, &[])
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
            "budget_amount" if !text.is_empty() => match parse_amount(&text) {
                Ok(cents) => {
                    input.budget_amount = format!(
                        "{}{}.{:02}",
                        if cents < 0 { "-" } else { "" },
                        cents.abs() / 100,
                        cents.abs() % 100
                    )
                }
                Err(message) => {
                    problems.insert(field.to_string(), message);
                }
            },
            "decision_maker_identified" => match parse_flag(&text) {
                Some(true) => input.decision_maker_identified = "yes".into(),
                Some(false) if text.is_empty() => {}
                Some(false) => input.decision_maker_identified = "no".into(),
                None => {
                    problems.insert(field.to_string(), format!("\"{text}\" is not yes or no."));
                }
            },
            "status" | "status_reason" if !text.is_empty() => {
                match match_option(&text, LEAD_REASON_SYNONYMS) {
                    Some(reason) => row.reason = Some(reason),
                    None => {
                        problems.insert(
                            field.to_string(),
                            format!("\"{text}\" is not a lead status Leadflow knows."),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    // Salesforce leads have no topic: name them after the person or company, as a rep would.
    if row.input.topic.is_empty() {
        row.input.topic = [&row.input.company_name, &row.input.last_name]
            .into_iter()
            .find(|text| !text.is_empty())
            .cloned()
            .unwrap_or_default();
    }
    if let Err(AppError::Validation(fields)) = validate_lead(&row.input) {
        for (field, message) in fields {
            problems.entry(field).or_insert(message);
        }
    }
    if problems.is_empty() {
        Ok(row)
    } else {
        Err(problems)
    }
}

/// One rejected cell: the file's line, the column's header (or the field when no column
/// maps to it), and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub column: String,
    pub message: String,
}

/// What an import of a file would do, without writing anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DryRun {
    pub rows: u64,
    pub valid: u64,
    pub rejected: u64,
    /// The columns no field was suggested for (left out unless the user maps them).
    pub unmapped: Vec<String>,
    /// The first problems, in file order.
    pub errors: Vec<RowError>,
}

/// How many problems a dry run lists (every rejected row is counted).
pub const LISTED_ERRORS: usize = 50;

/// The dry run of a lead file: read, mapped by the suggested columns, every row validated.
pub fn dry_run_leads(bytes: &[u8]) -> Result<DryRun, String> {
    let text = decode(bytes)?;
    let mut table = Table::open(&text)?;
    let fields = suggest(ImportEntity::Leads, &table.headers);
    let headers = table.headers.clone();
    let column_of = |field: &str| {
        fields
            .iter()
            .position(|f| *f == Some(field))
            .map_or_else(|| field.to_string(), |at| headers[at].clone())
    };
    let mut run = DryRun {
        unmapped: headers
            .iter()
            .zip(&fields)
            .filter(|(_, field)| field.is_none())
            .map(|(header, _)| header.clone())
            .collect(),
        ..DryRun::default()
    };
    for (line, row) in table.rows() {
        run.rows += 1;
        let problems = match row {
            Ok(values) => match lead_row(&fields, &values) {
                Ok(_) => {
                    run.valid += 1;
                    continue;
                }
                Err(problems) => problems
                    .into_iter()
                    .map(|(field, message)| (column_of(&field), message))
                    .collect(),
            },
            Err(message) => vec![(String::new(), message)],
        };
        run.rejected += 1;
        for (column, message) in problems {
            if run.errors.len() < LISTED_ERRORS {
                run.errors.push(RowError {
                    line,
                    column,
                    message,
                });
            }
        }
    }
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_salesforce_lead_row_reads_into_the_lead_form() {
        let file = "Id,LastName,FirstName,Title,Company,Email,LeadSource,Status,Rating,AnnualRevenue\n\
                    00Q1,Lee,William,CTO,Blue Co,william.lee@example.com,Partner Referral,Closed - Converted,Hot,\n";
        let mut table = Table::open(file).unwrap();
        let fields = suggest(ImportEntity::Leads, &table.headers);
        let (_, values) = table.rows().next().unwrap();
        let row = lead_row(&fields, &values.unwrap()).unwrap();
        assert_eq!(row.source_id.as_deref(), Some("00Q1"));
        assert_eq!(row.reason, Some(LeadStatusReason::Qualified));
        assert_eq!(row.input.topic, "Blue Co");
        assert_eq!(row.input.lead_source, "partner");
        assert_eq!(row.input.rating, "hot");
        assert_eq!(row.input.job_title, "CTO");
    }

    #[test]
    fn a_dry_run_counts_and_names_each_bad_cell() {
        let file = "Last Name,Email,Lead Source,Budget Amount,Rating\n\
                    Lee,lee@example.com,Web,\"$1,200.50\",Hot\n\
                    Diaz,not-an-email,Web,,Warm\n\
                    ,,Carrier pigeon,12.345.6,\n\
                    Ito,ito@example.com,,,Lukewarm\n";
        let run = dry_run_leads(file.as_bytes()).unwrap();
        assert_eq!((run.rows, run.valid, run.rejected), (4, 1, 3));
        let at = |line: u64, column: &str| {
            run.errors
                .iter()
                .any(|e| e.line == line && e.column == column)
        };
        assert!(at(3, "Email"), "{:?}", run.errors);
        assert!(at(4, "Lead Source"), "{:?}", run.errors);
        assert!(at(4, "Budget Amount"), "{:?}", run.errors);
        assert!(at(4, "Last Name"), "{:?}", run.errors);
        assert!(at(5, "Rating"), "{:?}", run.errors);
        assert!(run.unmapped.is_empty());
    }

    #[test]
    fn a_file_that_is_not_a_table_is_refused_whole() {
        assert!(dry_run_leads(b"").unwrap_err().contains("empty"));
        assert!(dry_run_leads(b"PK\x03\x04...").unwrap_err().contains("zip"));
        let run = dry_run_leads(b"Last Name,Email\n").unwrap();
        assert_eq!(run.rows, 0);
    }
}
