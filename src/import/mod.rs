//! Import (issue 12, in progress): bringing a team's records in from spreadsheets,
//! Salesforce and Dynamics 365 exports. Built so far are the pure rules every later step
//! calls: reading a CSV file as Excel and the other CRMs write it (`csv_file`), mapping its
//! columns to Leadflow's fields (`mapping`), reading its values (`values`) and what other
//! systems' option values mean (`sources`).

use crate::option_set;

#[cfg(feature = "ssr")]
pub mod csv_file;
#[cfg(feature = "ssr")]
pub mod mapping;
#[cfg(feature = "ssr")]
pub mod rows;
pub mod sources;
pub mod values;

option_set!(
    /// What one imported file holds.
    ImportEntity {
        Leads => "leads", "Leads",
        Accounts => "accounts", "Accounts",
        Contacts => "contacts", "Contacts",
        Opportunities => "opportunities", "Opportunities",
        Activities => "activities", "Activities",
    }
);
