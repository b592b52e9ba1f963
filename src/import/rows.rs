//! One imported row read into a record's form input and validated as the form would, and
//! what the import does with it: create, update (filling blanks or overwriting) or skip,
//! by its source id and the duplicate rule. Pure functions; the other records' rows are in
//! `linked_rows`.

use super::DuplicateMode;
use super::sources::{LEAD_REASON_SYNONYMS, LEAD_SOURCE_SYNONYMS, parse_flag};
use super::values::{match_option, parse_amount};
use crate::error::AppError;
use crate::lead::rules::{LeadFields, LeadInput, validate_lead};
use crate::lead::{
    BudgetStatus, LeadStatusReason, Need, PurchaseProcess, PurchaseTimeframe, Rating,
};
use crate::options::OptionSet;
use std::collections::BTreeMap;

/// A lead row: the lead form's input, and what only an import carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeadRow {
    pub input: LeadInput,
    /// The input as validated.
    pub fields: LeadFields,
    pub reason: Option<LeadStatusReason>,
    pub source_id: Option<String>,
    /// The owner's name or email, as the file gives it.
    pub owner: Option<String>,
    /// What a qualified lead became, as the file names them: account, contact, opportunity.
    pub qualified_into: [Option<String>; 3],
}

/// The problems of one row: field name → message.
pub type RowProblems = BTreeMap<String, String>;

/// The mapped cells of a row: each field with its trimmed text, a spreadsheet's formula
/// escape taken off.
pub fn cells<'a>(
    fields: &'a [Option<&'static str>],
    values: &'a [String],
) -> impl Iterator<Item = (&'static str, String)> + 'a {
    fields.iter().zip(values).filter_map(|(field, value)| {
        let field = (*field)?;
        Some((
            field,
            crate::spreadsheet::unescape_cell(value.trim()).to_string(),
        ))
    })
}

/// A form's validation errors as a row's problems (a problem already found for a field
/// stays: it names the cell's value).
pub fn validation_problems(problems: &mut RowProblems, error: AppError) {
    match error {
        AppError::Validation(fields) => {
            for (field, message) in fields {
                problems.entry(field).or_insert(message);
            }
        }
        other => {
            problems.insert(String::new(), other.to_string());
        }
    }
}

/// An option cell: its code, or a problem naming the value (the value-mapping step's input).
pub fn option_code<T: OptionSet>(
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
    for (field, text) in cells(fields, values) {
        let input = &mut row.input;
        match field {
            "source_id" => row.source_id = Some(text).filter(|t| !t.is_empty()),
            "converted_account" => row.qualified_into[0] = Some(text).filter(|t| !t.is_empty()),
            "converted_contact" => row.qualified_into[1] = Some(text).filter(|t| !t.is_empty()),
            "converted_opportunity" => row.qualified_into[2] = Some(text).filter(|t| !t.is_empty()),
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
                Ok(cents) => input.budget_amount = crate::spreadsheet::amount_cell(cents),
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
    let topic_given = !row.input.topic.is_empty();
    if !topic_given {
        row.input.topic = [&row.input.company_name, &row.input.last_name]
            .into_iter()
            .find(|text| !text.is_empty())
            .cloned()
            .unwrap_or_default();
    }
    match validate_lead(&row.input) {
        Ok(fields) => row.fields = fields,
        Err(AppError::Validation(fields)) => {
            for (field, message) in fields {
                // A topic taken from the name is wrong only as the name is: say it once.
                if field != "topic" || topic_given {
                    problems.entry(field).or_insert(message);
                }
            }
        }
        Err(other) => {
            problems.insert(String::new(), other.to_string());
        }
    }
    if problems.is_empty() {
        Ok(row)
    } else {
        Err(problems)
    }
}

/// Fills the fields `row` gives into `existing`: every given field (`overwrite`), or only
/// those blank in `existing`. A blank cell never erases a value.
pub fn merge(existing: &LeadInput, row: &LeadInput, overwrite: bool) -> LeadInput {
    let mut merged = existing.clone();
    for (target, given) in text_fields_mut(&mut merged)
        .into_iter()
        .zip(text_fields(row))
    {
        if !given.is_empty() && (overwrite || target.is_empty()) {
            *target = given.clone();
        }
    }
    merged
}

fn text_fields(input: &LeadInput) -> [&String; 23] {
    [
        &input.topic,
        &input.first_name,
        &input.last_name,
        &input.job_title,
        &input.company_name,
        &input.email,
        &input.business_phone,
        &input.mobile_phone,
        &input.website,
        &input.street,
        &input.city,
        &input.state_province,
        &input.postal_code,
        &input.country,
        &input.description,
        &input.lead_source,
        &input.rating,
        &input.budget_amount,
        &input.budget_status,
        &input.purchase_timeframe,
        &input.purchase_process,
        &input.decision_maker_identified,
        &input.need,
    ]
}

fn text_fields_mut(input: &mut LeadInput) -> [&mut String; 23] {
    [
        &mut input.topic,
        &mut input.first_name,
        &mut input.last_name,
        &mut input.job_title,
        &mut input.company_name,
        &mut input.email,
        &mut input.business_phone,
        &mut input.mobile_phone,
        &mut input.website,
        &mut input.street,
        &mut input.city,
        &mut input.state_province,
        &mut input.postal_code,
        &mut input.country,
        &mut input.description,
        &mut input.lead_source,
        &mut input.rating,
        &mut input.budget_amount,
        &mut input.budget_status,
        &mut input.purchase_timeframe,
        &mut input.purchase_process,
        &mut input.decision_maker_identified,
        &mut input.need,
    ]
}

/// What a row matched before it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    Nothing,
    /// The record an earlier import brought in with the row's source id.
    SourceId(i64),
    /// An earlier row of the same file (its line): the same source id or the same person.
    EarlierRow {
        line: u64,
        same_source_id: bool,
    },
    /// Existing records by the duplicate rule: the id of one of the row's own kind if one
    /// matched (an open lead for a lead row), and what matched (the strongest first).
    Duplicate {
        same_kind: Option<i64>,
        first: String,
    },
}

/// What an import does with a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Create,
    Update { id: i64, overwrite: bool },
    Skip(String),
}

/// The import's duplicate rule: a source id an earlier import brought in updates its record
/// (its blanks only when the user chose so); a duplicate is skipped, updated or created as
/// the user chose (only a record of the row's own kind can be updated from it); an earlier row of the same
/// file is the same person, so the later row is skipped unless the user creates anyway,
/// and a repeated source id is always skipped.
pub fn action(mode: DuplicateMode, found: &Match) -> Action {
    match found {
        Match::Nothing => Action::Create,
        Match::SourceId(id) => Action::Update {
            id: *id,
            overwrite: mode != DuplicateMode::FillBlanks,
        },
        Match::EarlierRow {
            line,
            same_source_id,
        } => {
            if mode == DuplicateMode::Create && !same_source_id {
                Action::Create
            } else if *same_source_id {
                Action::Skip(format!("Line {line} has the same source id."))
            } else {
                Action::Skip(format!("Same person as line {line}."))
            }
        }
        Match::Duplicate { same_kind, first } => match (mode, same_kind) {
            (DuplicateMode::Create, _) => Action::Create,
            (DuplicateMode::FillBlanks, Some(id)) => Action::Update {
                id: *id,
                overwrite: false,
            },
            (DuplicateMode::Overwrite, Some(id)) => Action::Update {
                id: *id,
                overwrite: true,
            },
            _ => Action::Skip(format!("Matches {first}.")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::ImportEntity;
    use crate::import::csv_file::Table;
    use crate::import::mapping::suggest;

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
    fn a_bad_cell_is_named_by_its_field() {
        let fields = [
            Some("last_name"),
            Some("email"),
            Some("lead_source"),
            Some("budget_amount"),
            Some("rating"),
        ];
        let row = |cells: &[&str]| {
            lead_row(
                &fields,
                &cells.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
            )
        };
        assert!(row(&["Lee", "lee@example.com", "Web", "$1,200.50", "Hot"]).is_ok());
        let problems =
            row(&["", "not-an-email", "Carrier pigeon", "12.345.6", "Lukewarm"]).unwrap_err();
        let named: Vec<&str> = problems.keys().map(String::as_str).collect();
        assert_eq!(
            named,
            [
                "budget_amount",
                "email",
                "last_name",
                "lead_source",
                "rating"
            ]
        );
    }

    #[test]
    fn merging_fills_blanks_or_overwrites_but_never_erases() {
        let existing = LeadInput {
            topic: "Expo".into(),
            last_name: "Lee".into(),
            city: "Oslo".into(),
            ..LeadInput::default()
        };
        let row = LeadInput {
            topic: "Expo 2026".into(),
            email: "lee@example.com".into(),
            ..LeadInput::default()
        };
        let filled = merge(&existing, &row, false);
        assert_eq!(
            (
                filled.topic.as_str(),
                filled.email.as_str(),
                filled.city.as_str(),
                filled.last_name.as_str()
            ),
            ("Expo", "lee@example.com", "Oslo", "Lee")
        );
        let overwritten = merge(&existing, &row, true);
        assert_eq!(
            (
                overwritten.topic.as_str(),
                overwritten.email.as_str(),
                overwritten.city.as_str()
            ),
            ("Expo 2026", "lee@example.com", "Oslo")
        );
    }

    #[test]
    fn each_mode_decides_what_a_match_does() {
        use DuplicateMode::*;
        let lead = Match::Duplicate {
            same_kind: Some(7),
            first: "lead Ann Lee".into(),
        };
        let contact = Match::Duplicate {
            same_kind: None,
            first: "contact Ann Lee".into(),
        };
        let earlier = Match::EarlierRow {
            line: 3,
            same_source_id: false,
        };
        let repeated_id = Match::EarlierRow {
            line: 3,
            same_source_id: true,
        };
        let cases = [
            (Skip, &Match::Nothing, Action::Create),
            (
                Skip,
                &Match::SourceId(9),
                Action::Update {
                    id: 9,
                    overwrite: true,
                },
            ),
            (
                FillBlanks,
                &Match::SourceId(9),
                Action::Update {
                    id: 9,
                    overwrite: false,
                },
            ),
            (
                Create,
                &Match::SourceId(9),
                Action::Update {
                    id: 9,
                    overwrite: true,
                },
            ),
            (Skip, &lead, Action::Skip("Matches lead Ann Lee.".into())),
            (
                FillBlanks,
                &lead,
                Action::Update {
                    id: 7,
                    overwrite: false,
                },
            ),
            (
                Overwrite,
                &lead,
                Action::Update {
                    id: 7,
                    overwrite: true,
                },
            ),
            (Create, &lead, Action::Create),
            (
                Overwrite,
                &contact,
                Action::Skip("Matches contact Ann Lee.".into()),
            ),
            (Create, &contact, Action::Create),
            (
                Overwrite,
                &earlier,
                Action::Skip("Same person as line 3.".into()),
            ),
            (Create, &earlier, Action::Create),
            (
                Create,
                &repeated_id,
                Action::Skip("Line 3 has the same source id.".into()),
            ),
        ];
        for (mode, found, expected) in cases {
            assert_eq!(action(mode, found), expected, "{mode:?} {found:?}");
        }
    }

    /// A million generated rows through the row reader (the file reader and the value
    /// readers have their own million in `csv_file` and `values`): whatever the cells, each
    /// row is read or gets its problems, never a panic; every 20th goes through a whole file.
    #[test]
    fn a_million_generated_rows_never_panic() {
        use crate::import::csv_file::decode;
        use rand::{Rng, SeedableRng};
        // Cell pieces that matter to names, emails, amounts, options, flags and formulas.
        const PIECES: &[&str] = &[
            "",
            " ",
            "a",
            "Z",
            "0",
            "9",
            "-",
            "+",
            ".",
            ",",
            "$",
            "€",
            "ü",
            "@",
            "=",
            "'",
            "(",
            ")",
            "\t",
            "\r\n",
            "\"",
            "e",
            "1e9",
            "999999999999999999",
            "Web",
            "Hot",
            "yes",
            "No",
            "Trade Show",
            "example.org",
            "http://",
            "javascript:",
            "\u{0}",
            "\u{7f}",
        ];
        let fields = fields_of_leads();
        let generate = |seed: u64| {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            let (mut read, mut rejected) = (0usize, 0usize);
            for n in 0..500_000 {
                let values: Vec<String> = (0..fields.len())
                    .map(|_| {
                        (0..rng.gen_range(0..5))
                            .map(|_| PIECES[rng.gen_range(0..PIECES.len())])
                            .collect()
                    })
                    .collect();
                match lead_row(&fields, &values) {
                    Ok(_) => read += 1,
                    Err(problems) => {
                        assert!(!problems.is_empty());
                        rejected += 1;
                    }
                }
                if n % 20 == 0 {
                    let mut file =
                        "Last Name,Email,Budget Amount,Lead Source,Rating,Decision maker identified\n"
                            .to_string();
                    file.push_str(&values.join(if n % 40 == 0 { "," } else { ";" }));
                    if let Ok(text) = decode(file.as_bytes())
                        && let Ok(mut table) = Table::open(&text)
                    {
                        for (_, row) in table.rows() {
                            if let Ok(values) = row {
                                let _ = lead_row(&fields, &values);
                            }
                        }
                    }
                }
            }
            (read, rejected)
        };
        // Half a million rows on each of two threads, from two seeds.
        let ((read_a, rejected_a), (read_b, rejected_b)) = std::thread::scope(|scope| {
            let other = scope.spawn(|| generate(13));
            (generate(12), other.join().unwrap())
        });
        let (read, rejected) = (read_a + read_b, rejected_a + rejected_b);
        assert!(
            read > 1_000 && rejected > 1_000,
            "both outcomes reached: {read} read, {rejected} rejected"
        );
    }

    fn fields_of_leads() -> Vec<Option<&'static str>> {
        let names: Vec<String> = [
            "Last Name",
            "Email",
            "Budget Amount",
            "Lead Source",
            "Rating",
            "Decision maker identified",
        ]
        .iter()
        .map(|n| n.to_string())
        .collect();
        suggest(ImportEntity::Leads, &names)
    }
}
