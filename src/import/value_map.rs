//! The value-mapping step: option values a file uses that Leadflow does not know (a
//! company's own lead sources, "Tier 1" as a rating), and what blank cells of an option
//! column mean. The dry run lists them by column; the user picks a Leadflow value for each,
//! and every row's cells are translated before they are read. Pure functions.

use super::sources::{FORECAST_SYNONYMS, LEAD_REASON_SYNONYMS, LEAD_SOURCE_SYNONYMS};
use super::values::{match_option, normalize};
use super::{ImportEntity, ValueChoice};
use crate::lead::{
    BudgetStatus, LeadSource, LeadStatusReason, Need, PurchaseProcess, PurchaseTimeframe, Rating,
};
use crate::opportunity::ForecastCategory;
use crate::options::OptionSet;
use std::collections::HashMap;

/// The choices of an option field and whether a value names one of them.
struct OptionField {
    choices: fn() -> Vec<(String, String)>,
    known: fn(&str) -> bool,
}

fn all<T: OptionSet>() -> Vec<(String, String)> {
    T::all()
        .iter()
        .map(|option| (option.code().to_string(), option.label().to_string()))
        .collect()
}

/// The option fields of an entity's rows (stages and lost reasons are the admin's, so the
/// row's own problem names them instead).
fn option_field(entity: ImportEntity, field: &str) -> Option<OptionField> {
    let field = match (entity, field) {
        (ImportEntity::Leads | ImportEntity::Opportunities, "lead_source") => OptionField {
            choices: all::<LeadSource>,
            known: |text| match_option(text, LEAD_SOURCE_SYNONYMS).is_some(),
        },
        (ImportEntity::Leads | ImportEntity::Opportunities, "rating") => OptionField {
            choices: all::<Rating>,
            known: |text| match_option::<Rating>(text, &[]).is_some(),
        },
        (ImportEntity::Leads | ImportEntity::Opportunities, "purchase_timeframe") => OptionField {
            choices: all::<PurchaseTimeframe>,
            known: |text| match_option::<PurchaseTimeframe>(text, &[]).is_some(),
        },
        (ImportEntity::Leads | ImportEntity::Opportunities, "purchase_process") => OptionField {
            choices: all::<PurchaseProcess>,
            known: |text| match_option::<PurchaseProcess>(text, &[]).is_some(),
        },
        (ImportEntity::Leads | ImportEntity::Opportunities, "need") => OptionField {
            choices: all::<Need>,
            known: |text| match_option::<Need>(text, &[]).is_some(),
        },
        (ImportEntity::Leads, "budget_status") => OptionField {
            choices: all::<BudgetStatus>,
            known: |text| match_option::<BudgetStatus>(text, &[]).is_some(),
        },
        (ImportEntity::Leads, "status" | "status_reason") => OptionField {
            choices: all::<LeadStatusReason>,
            known: |text| match_option(text, LEAD_REASON_SYNONYMS).is_some(),
        },
        (ImportEntity::Opportunities, "forecast_category") => OptionField {
            choices: all::<ForecastCategory>,
            known: |text| {
                normalize(text) == "closed" || match_option(text, FORECAST_SYNONYMS).is_some()
            },
        },
        _ => return None,
    };
    Some(field)
}

/// A value of a column the user is asked about (an empty value: the column's blank cells).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    pub column: usize,
    pub field: &'static str,
    /// The value as the file first writes it.
    pub value: String,
    pub rows: u64,
    pub choices: Vec<(String, String)>,
}

/// An option column's unknown values met so far: normalized value → (first text, rows).
type Met = HashMap<String, (String, u64)>;

/// Collects a file's unknown option values and blank option cells, column by column.
pub struct UnknownValues {
    entity: ImportEntity,
    /// Per option column: its field and the values met.
    columns: Vec<Option<(&'static str, Met)>>,
}

/// Distinct unknown values listed per column at most (a free-text column mapped to an
/// option field would otherwise list every row).
pub const LISTED_VALUES: usize = 20;

impl UnknownValues {
    pub fn new(entity: ImportEntity, fields: &[Option<&'static str>]) -> UnknownValues {
        UnknownValues {
            entity,
            columns: fields
                .iter()
                .map(|field| {
                    let field = (*field)?;
                    option_field(entity, field).map(|_| (field, HashMap::new()))
                })
                .collect(),
        }
    }

    /// Looks at one row's cells, as the file has them.
    pub fn add(&mut self, values: &[String]) {
        for (column, text) in self.columns.iter_mut().zip(values) {
            let Some((field, seen)) = column else {
                continue;
            };
            let text = crate::spreadsheet::unescape_cell(text.trim());
            let known = option_field(self.entity, field).is_some_and(|f| (f.known)(text));
            if known {
                continue;
            }
            let key = normalize(text);
            if let Some((_, rows)) = seen.get_mut(&key) {
                *rows += 1;
            } else if seen.len() < LISTED_VALUES {
                seen.insert(key, (text.to_string(), 1));
            }
        }
    }

    /// What was found, blanks first in each column, then by how many rows.
    pub fn found(self) -> Vec<Unknown> {
        let entity = self.entity;
        let mut found = Vec::new();
        for (column, entry) in self.columns.into_iter().enumerate() {
            let Some((field, seen)) = entry else { continue };
            let choices = option_field(entity, field).map_or_else(Vec::new, |f| (f.choices)());
            let mut values: Vec<(String, u64)> = seen.into_values().collect();
            values.sort_by(|a, b| (!a.0.is_empty(), b.1).cmp(&(!b.0.is_empty(), a.1)));
            found.extend(values.into_iter().map(|(value, rows)| Unknown {
                column,
                field,
                value,
                rows,
                choices: choices.clone(),
            }));
        }
        found
    }
}

/// The user's choices for one file: (column, normalized value) → Leadflow code.
pub struct ValueMap(HashMap<(usize, String), String>);

impl ValueMap {
    /// The choices for file `file` whose column still maps to the field they were made for.
    pub fn of_file(
        choices: &[ValueChoice],
        file: usize,
        fields: &[Option<&'static str>],
    ) -> ValueMap {
        ValueMap(
            choices
                .iter()
                .filter(|choice| {
                    choice.file == file
                        && !choice.code.is_empty()
                        && fields.get(choice.column).copied().flatten()
                            == Some(choice.field.as_str())
                })
                .map(|choice| {
                    (
                        (choice.column, normalize(&choice.value)),
                        choice.code.clone(),
                    )
                })
                .collect(),
        )
    }

    /// A row's cells with every mapped value (and mapped blank) replaced by its code.
    pub fn apply(&self, values: &[String]) -> Vec<String> {
        values
            .iter()
            .enumerate()
            .map(|(column, text)| {
                let key = (
                    column,
                    normalize(crate::spreadsheet::unescape_cell(text.trim())),
                );
                self.0.get(&key).cloned().unwrap_or_else(|| text.clone())
            })
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| v.to_string()).collect()
    }

    #[test]
    fn unknown_values_and_blanks_are_listed_and_then_mapped() {
        let fields = [Some("last_name"), Some("lead_source"), Some("rating")];
        let mut unknown = UnknownValues::new(ImportEntity::Leads, &fields);
        for values in [
            ["Lee", "Carrier pigeon", "Hot"],
            ["Ito", "carrier  PIGEON", ""],
            ["Kim", "Web", "Tier 1"],
            ["Ng", "Carrier pigeon", ""],
        ] {
            unknown.add(&row(&values));
        }
        let found: Vec<(usize, &str, String, u64)> = unknown
            .found()
            .into_iter()
            .map(|u| (u.column, u.field, u.value, u.rows))
            .collect();
        assert_eq!(
            found,
            [
                (1, "lead_source", "Carrier pigeon".into(), 3),
                (2, "rating", "".into(), 2),
                (2, "rating", "Tier 1".into(), 1),
            ]
        );
        let choice = |column, value: &str, code: &str| ValueChoice {
            file: 0,
            column,
            field: fields[column].unwrap().into(),
            value: value.into(),
            code: code.into(),
        };
        let map = ValueMap::of_file(
            &[
                choice(1, "carrier pigeon", "other"),
                choice(2, "", "cold"),
                choice(2, "Tier 1", "hot"),
                // Another file's choice does not apply, nor one for a column remapped since.
                ValueChoice {
                    file: 1,
                    ..choice(0, "Lee", "x")
                },
                ValueChoice {
                    field: "need".into(),
                    ..choice(0, "Kim", "x")
                },
            ],
            0,
            &fields,
        );
        assert_eq!(
            map.apply(&row(&["Lee", "Carrier Pigeon", ""])),
            row(&["Lee", "other", "cold"])
        );
        assert_eq!(
            map.apply(&row(&["Kim", "Web", "Tier 1"])),
            row(&["Kim", "Web", "hot"])
        );
    }
}
