//! Which Leadflow field each column of an imported file fills. A column maps by its header:
//! first exactly (ignoring case, spaces and punctuation) to a field's name, its label,
//! Salesforce's API name or the display name Dynamics 365 exports write; then by
//! similarity. The user corrects any column; pure functions, tested without a file.

use super::ImportEntity;
use super::values::normalize;

/// A field an import can fill: its name (the mapping stores it), its label, and the other
/// systems' headers for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportField {
    pub name: &'static str,
    pub label: &'static str,
    pub synonyms: &'static [&'static str],
}

const fn field(
    name: &'static str,
    label: &'static str,
    synonyms: &'static [&'static str],
) -> ImportField {
    ImportField {
        name,
        label,
        synonyms,
    }
}

/// Every importable record keeps the id it had in its source system, so a second import of
/// the same file updates instead of duplicating, and other files' references resolve.
const SOURCE_ID: ImportField = field(
    "source_id",
    "Source record id",
    &[
        "Id",
        "(Do Not Modify) Lead",
        "(Do Not Modify) Opportunity",
        "(Do Not Modify) Account",
        "(Do Not Modify) Contact",
        "(Do Not Modify) Activity",
    ],
);
const OWNER: ImportField = field(
    "owner",
    "Owner",
    &[
        "OwnerId",
        "Owner Name",
        "Lead Owner",
        "Opportunity Owner",
        "Account Owner",
        "Contact Owner",
        "Assigned To",
        "Owner email",
    ],
);
const CREATED_AT: ImportField = field(
    "created_at",
    "Created on",
    &["CreatedDate", "Created On", "Date Created"],
);
const DESCRIPTION: ImportField = field("description", "Description", &["Comments", "Notes"]);

const LEAD_FIELDS: &[ImportField] = &[
    SOURCE_ID,
    field("topic", "Topic", &["Subject", "Lead Name"]),
    field("first_name", "First name", &["FirstName", "Given Name"]),
    field(
        "last_name",
        "Last name",
        &["LastName", "Surname", "Family Name"],
    ),
    field("job_title", "Job title", &["Title", "Position"]),
    field(
        "company_name",
        "Company",
        &["Company Name", "Organization", "Account Name"],
    ),
    field(
        "email",
        "Email",
        &["E-mail", "Email Address", "E-mail Address"],
    ),
    field(
        "business_phone",
        "Business phone",
        &["Phone", "Work Phone", "Office Phone"],
    ),
    field(
        "mobile_phone",
        "Mobile phone",
        &["MobilePhone", "Mobile", "Cell Phone"],
    ),
    field("website", "Website", &["Web Site", "URL"]),
    field(
        "street",
        "Street",
        &["Street 1", "Address 1: Street 1", "Address"],
    ),
    field("city", "City", &["Address 1: City", "Town"]),
    field(
        "state_province",
        "State/Province",
        &["State", "Province", "Region", "Address 1: State/Province"],
    ),
    field(
        "postal_code",
        "Postal code",
        &[
            "PostalCode",
            "ZIP/Postal Code",
            "ZIP",
            "Zip Code",
            "Address 1: ZIP/Postal Code",
        ],
    ),
    field(
        "country",
        "Country",
        &["Country/Region", "Address 1: Country/Region"],
    ),
    DESCRIPTION,
    field("lead_source", "Lead source", &["LeadSource", "Source"]),
    field("rating", "Rating", &["Lead Rating"]),
    field("budget_amount", "Budget amount", &["Budget Amount (Base)"]),
    field("budget_status", "Budget", &["Budget Status"]),
    field("purchase_timeframe", "Purchase timeframe", &["Timeframe"]),
    field("purchase_process", "Purchase process", &[]),
    field(
        "decision_maker_identified",
        "Decision maker identified",
        &["Decision Maker?", "Identify Decision Maker"],
    ),
    field("need", "Need", &[]),
    field("status", "Status", &["Lead Status", "IsConverted"]),
    field(
        "status_reason",
        "Status reason",
        &["Reason", "Disqualified Reason"],
    ),
    field(
        "converted_account",
        "Qualified into account",
        &["ConvertedAccountId", "Existing Account"],
    ),
    field(
        "converted_contact",
        "Qualified into contact",
        &["ConvertedContactId", "Existing Contact"],
    ),
    field(
        "converted_opportunity",
        "Qualified into opportunity",
        &["ConvertedOpportunityId"],
    ),
    OWNER,
    CREATED_AT,
];

const ACCOUNT_FIELDS: &[ImportField] = &[
    SOURCE_ID,
    field("name", "Account name", &["Name", "Company", "Company Name"]),
    field("website", "Website", &["Web Site", "URL"]),
    field("phone", "Phone", &["Main Phone", "Business Phone"]),
    field("email", "Email", &["E-mail", "Email Address"]),
    field("industry", "Industry", &[]),
    field(
        "street",
        "Street",
        &["BillingStreet", "Address 1: Street 1"],
    ),
    field("city", "City", &["BillingCity", "Address 1: City"]),
    field(
        "state_province",
        "State/Province",
        &["BillingState", "State", "Address 1: State/Province"],
    ),
    field(
        "postal_code",
        "Postal code",
        &[
            "BillingPostalCode",
            "ZIP/Postal Code",
            "Address 1: ZIP/Postal Code",
        ],
    ),
    field(
        "country",
        "Country",
        &[
            "BillingCountry",
            "Country/Region",
            "Address 1: Country/Region",
        ],
    ),
    field(
        "employees",
        "Number of employees",
        &["NumberOfEmployees", "Employees"],
    ),
    field("annual_revenue", "Annual revenue", &["AnnualRevenue"]),
    field(
        "parent_account",
        "Parent account",
        &["ParentId", "Parent Account"],
    ),
    OWNER,
    CREATED_AT,
];

const CONTACT_FIELDS: &[ImportField] = &[
    SOURCE_ID,
    field("first_name", "First name", &["FirstName"]),
    field("last_name", "Last name", &["LastName", "Surname"]),
    field("job_title", "Job title", &["Title"]),
    field(
        "account",
        "Account",
        &[
            "AccountId",
            "Company Name",
            "Account Name",
            "Parent Customer",
        ],
    ),
    field("email", "Email", &["E-mail", "Email Address"]),
    field("business_phone", "Business phone", &["Phone", "Work Phone"]),
    field("mobile_phone", "Mobile phone", &["MobilePhone", "Mobile"]),
    field(
        "street",
        "Street",
        &["MailingStreet", "Address 1: Street 1"],
    ),
    field("city", "City", &["MailingCity", "Address 1: City"]),
    field(
        "state_province",
        "State/Province",
        &["MailingState", "State", "Address 1: State/Province"],
    ),
    field(
        "postal_code",
        "Postal code",
        &[
            "MailingPostalCode",
            "ZIP/Postal Code",
            "Address 1: ZIP/Postal Code",
        ],
    ),
    field(
        "country",
        "Country",
        &[
            "MailingCountry",
            "Country/Region",
            "Address 1: Country/Region",
        ],
    ),
    OWNER,
    CREATED_AT,
];

const OPPORTUNITY_FIELDS: &[ImportField] = &[
    SOURCE_ID,
    field("topic", "Topic", &["Name", "Opportunity Name", "Subject"]),
    field(
        "account",
        "Account",
        &[
            "AccountId",
            "Account Name",
            "Potential Customer",
            "Customer",
        ],
    ),
    field("contact", "Contact", &["ContactId", "Contact Name"]),
    field(
        "estimated_revenue",
        "Estimated revenue",
        &["Amount", "Est. Revenue", "Estimated Revenue"],
    ),
    field(
        "estimated_close_date",
        "Estimated close date",
        &["CloseDate", "Est. Close Date", "Close Date"],
    ),
    field("actual_revenue", "Actual revenue", &["Actual Revenue"]),
    field(
        "actual_close_date",
        "Actual close date",
        &["Actual Close Date"],
    ),
    field(
        "stage",
        "Stage",
        &["StageName", "Sales Stage", "Pipeline Phase"],
    ),
    field("probability", "Probability", &["Probability (%)"]),
    field(
        "forecast_category",
        "Forecast category",
        &["ForecastCategoryName", "Forecast"],
    ),
    field("currency", "Currency", &["CurrencyIsoCode"]),
    field("won", "Won", &["IsWon"]),
    field("closed", "Closed", &["IsClosed"]),
    field("status", "Status", &[]),
    field("status_reason", "Status reason", &["Reason"]),
    field(
        "lost_reason",
        "Lost reason",
        &["Loss Reason", "Reason Lost"],
    ),
    field("rating", "Rating", &["Opportunity Rating"]),
    field("lead_source", "Lead source", &["LeadSource", "Source"]),
    field("purchase_timeframe", "Purchase timeframe", &[]),
    field("purchase_process", "Purchase process", &[]),
    field("need", "Need", &[]),
    field("customer_need", "Customer need", &[]),
    field("proposed_solution", "Proposed solution", &[]),
    field("current_situation", "Current situation", &[]),
    DESCRIPTION,
    OWNER,
    CREATED_AT,
];

const ACTIVITY_FIELDS: &[ImportField] = &[
    SOURCE_ID,
    field(
        "kind",
        "Activity type",
        &["TaskSubtype", "Type", "Activity Type"],
    ),
    field("subject", "Subject", &[]),
    field("body", "Details", &["Description", "Comments", "Notes"]),
    field("due_date", "Due date", &["ActivityDate", "Due Date", "Due"]),
    field("done", "Done", &["IsClosed", "Status", "Activity Status"]),
    field("who", "Person", &["WhoId", "Name"]),
    field("what", "Regarding", &["WhatId", "Regarding", "Related To"]),
    field("account", "Account", &["AccountId"]),
    OWNER,
    CREATED_AT,
];

/// The fields an import of `entity` can fill.
pub fn fields_of(entity: ImportEntity) -> &'static [ImportField] {
    match entity {
        ImportEntity::Leads => LEAD_FIELDS,
        ImportEntity::Accounts => ACCOUNT_FIELDS,
        ImportEntity::Contacts => CONTACT_FIELDS,
        ImportEntity::Opportunities => OPPORTUNITY_FIELDS,
        ImportEntity::Activities => ACTIVITY_FIELDS,
    }
}

/// How close a header must be to a field's name, label or synonym (Jaro–Winkler on the
/// normalised texts) to be suggested for it.
const SIMILAR_ENOUGH: f64 = 0.9;

/// The field suggested for each header, by position: exact matches first, then the most
/// similar remaining field. A field is suggested for one column at most (the first).
pub fn suggest(entity: ImportEntity, headers: &[String]) -> Vec<Option<&'static str>> {
    let fields = fields_of(entity);
    let names = |field: &ImportField| {
        [field.name, field.label]
            .into_iter()
            .chain(field.synonyms.iter().copied())
            .map(normalize)
            .collect::<Vec<_>>()
    };
    let keys: Vec<Vec<String>> = fields.iter().map(names).collect();
    let mut taken = vec![false; fields.len()];
    let mut suggested: Vec<Option<&'static str>> = vec![None; headers.len()];
    for (column, header) in headers.iter().enumerate() {
        let header = normalize(header);
        if let Some(index) = (0..fields.len()).find(|i| !taken[*i] && keys[*i].contains(&header)) {
            taken[index] = true;
            suggested[column] = Some(fields[index].name);
        }
    }
    for (column, header) in headers.iter().enumerate() {
        let header = normalize(header);
        if suggested[column].is_some() || header.is_empty() {
            continue;
        }
        let best = (0..fields.len())
            .filter(|i| !taken[*i])
            .map(|i| {
                let score = keys[i]
                    .iter()
                    .map(|key| strsim::jaro_winkler(key, &header))
                    .fold(0.0, f64::max);
                (i, score)
            })
            .filter(|(_, score)| *score >= SIMILAR_ENOUGH)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((index, _)) = best {
            taken[index] = true;
            suggested[column] = Some(fields[index].name);
        }
    }
    suggested
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn salesforce_api_names_map() {
        let columns = headers(&[
            "Id",
            "LastName",
            "FirstName",
            "Title",
            "Company",
            "Email",
            "LeadSource",
            "Status",
            "Rating",
            "OwnerId",
            "ConvertedAccountId",
            "PhotoUrl",
            "IsDeleted",
        ]);
        assert_eq!(
            suggest(ImportEntity::Leads, &columns),
            [
                Some("source_id"),
                Some("last_name"),
                Some("first_name"),
                Some("job_title"),
                Some("company_name"),
                Some("email"),
                Some("lead_source"),
                Some("status"),
                Some("rating"),
                Some("owner"),
                Some("converted_account"),
                None,
                None,
            ]
        );
        let columns = headers(&[
            "Name",
            "StageName",
            "Amount",
            "CloseDate",
            "IsWon",
            "ForecastCategoryName",
            "AccountId",
        ]);
        assert_eq!(
            suggest(ImportEntity::Opportunities, &columns),
            [
                Some("topic"),
                Some("stage"),
                Some("estimated_revenue"),
                Some("estimated_close_date"),
                Some("won"),
                Some("forecast_category"),
                Some("account")
            ]
        );
    }

    #[test]
    fn dynamics_display_names_map() {
        let columns = headers(&[
            "(Do Not Modify) Opportunity",
            "Topic",
            "Potential Customer",
            "Est. Revenue",
            "Est. Close Date",
            "Actual Revenue",
            "Actual Close Date",
            "Status",
            "Status Reason",
            "Sales Stage",
            "Forecast category",
            "Purchase Timeframe",
        ]);
        assert_eq!(
            suggest(ImportEntity::Opportunities, &columns),
            [
                Some("source_id"),
                Some("topic"),
                Some("account"),
                Some("estimated_revenue"),
                Some("estimated_close_date"),
                Some("actual_revenue"),
                Some("actual_close_date"),
                Some("status"),
                Some("status_reason"),
                Some("stage"),
                Some("forecast_category"),
                Some("purchase_timeframe"),
            ]
        );
    }

    #[test]
    fn similar_headers_map_and_each_field_once() {
        let columns = headers(&["E-Mail Adress", "Email", "Frist Name", "Shoe size", ""]);
        assert_eq!(
            suggest(ImportEntity::Contacts, &columns),
            [None, Some("email"), Some("first_name"), None, None]
        );
    }

    #[test]
    fn every_field_name_is_unique_per_entity() {
        use crate::options::OptionSet;
        for entity in ImportEntity::all() {
            let mut names: Vec<_> = fields_of(*entity).iter().map(|f| f.name).collect();
            names.sort();
            let count = names.len();
            names.dedup();
            assert_eq!(names.len(), count, "{entity:?}");
        }
    }
}
