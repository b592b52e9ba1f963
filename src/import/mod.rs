//! Import (issue 12): bringing a team's records in from spreadsheets, Salesforce and
//! Dynamics 365 exports, as jobs that run on the server. The pure rules: reading a CSV file
//! as Excel and the other CRMs write it (`csv_file`), mapping its columns to Leadflow's
//! fields (`mapping`), reading its values (`values`, `sources`) and each row into a record's
//! form input and an outcome (`rows`). `db` keeps the jobs and runs them through each
//! record's one write path; `api` and `http` serve them; `pages` is the import page.

use crate::option_set;
use serde::{Deserialize, Serialize};

pub mod api;
#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod csv_file;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod linked_rows;
#[cfg(feature = "ssr")]
pub mod mapping;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod records;
#[cfg(feature = "ssr")]
pub mod rows;
pub mod sources;
#[cfg(feature = "ssr")]
pub mod stored_file;
#[cfg(feature = "ssr")]
pub mod value_map;
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

option_set!(
    /// What an import does with a row that matches an existing record by the duplicate rule.
    /// (A row whose source id an earlier import brought in always updates that record.)
    #[derive(Default)]
    DuplicateMode {
        #[default]
        Skip => "skip", "Skip the row",
        FillBlanks => "fill_blanks", "Update the record: fill its blank fields",
        Overwrite => "overwrite", "Update the record: overwrite its fields",
        Create => "create", "Create a new record anyway",
    }
);

option_set!(
    /// Where an import job is.
    JobStatus {
        Uploaded => "uploaded", "Ready to run",
        Running => "running", "Running",
        Done => "done", "Done",
        Undone => "undone", "Undone",
    }
);

option_set!(
    /// What happened to one row.
    RowOutcome {
        Created => "created", "Created",
        Updated => "updated", "Updated",
        Unchanged => "unchanged", "Unchanged",
        Skipped => "skipped", "Skipped",
        Rejected => "rejected", "Rejected",
    }
);

option_set!(
    /// The system a file was exported from; its ids are kept per system.
    SourceSystem {
        Spreadsheet => "spreadsheet", "Spreadsheet",
        Salesforce => "salesforce", "Salesforce",
        Dynamics => "dynamics", "Dynamics 365",
        Leadflow => "leadflow", "Leadflow",
    }
);

/// Uploads larger than this are refused with a message (split the file): the file is kept
/// in the database until the job is done.
pub const MAX_UPLOAD_BYTES: usize = 100 * 1024 * 1024;

/// What the user chose for a job: for each file, each column's field (by position; `None`
/// leaves the column out); what to do with duplicates; who owns rows whose owner the file
/// does not name or names someone Leadflow does not know; and, when the files' dates could
/// be read either way, which number comes first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSettings {
    pub mappings: Vec<Vec<Option<String>>>,
    pub duplicates: DuplicateMode,
    pub default_owner: i64,
    #[serde(default)]
    pub date_order: Option<values::DateOrder>,
    /// What option values the file uses that Leadflow does not know (or blank cells) mean.
    #[serde(default)]
    pub values: Vec<ValueChoice>,
    /// A static marketing list the imported records go into (those of its member type).
    #[serde(default)]
    pub list_id: Option<i64>,
}

/// The user's choice for one value of an option column: in file `file` (by position),
/// column `column` while it maps to `field`, `value` (compared as option values are;
/// empty: blank cells) reads as the option `code` (empty: left as it is).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueChoice {
    pub file: usize,
    pub column: usize,
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub code: String,
}

/// An option value a file uses that Leadflow does not know, or an option column's blank
/// cells (empty `value`): the value-mapping step asks what it means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnknownValue {
    pub file: usize,
    pub file_name: String,
    pub column: usize,
    pub header: String,
    pub field: String,
    pub value: String,
    pub rows: u64,
    /// The options to choose from: code, label.
    pub choices: Vec<(String, String)>,
    /// The code chosen so far ("" for none).
    pub chosen: String,
}

/// A column of the job's file: its header, the field it fills, and the first rows' values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnView {
    pub header: String,
    pub field: Option<String>,
    pub samples: Vec<String>,
}

/// One rejected cell (or whole row, with an empty column) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// The file's name.
    pub file: String,
    pub line: u64,
    pub column: String,
    pub message: String,
}

/// A row the duplicate rule matched to an existing record or an earlier row of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateHit {
    /// The file's name.
    pub file: String,
    pub line: u64,
    /// The matched record's page, or `None` for an earlier row of the file.
    pub record_url: Option<String>,
    pub title: String,
}

/// Counts of what a dry run says an import would do, or what a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub skipped: u64,
    pub rejected: u64,
}

impl Counts {
    pub fn add(&mut self, outcome: RowOutcome) {
        self.rows += 1;
        match outcome {
            RowOutcome::Created => self.created += 1,
            RowOutcome::Updated => self.updated += 1,
            RowOutcome::Unchanged => self.unchanged += 1,
            RowOutcome::Skipped => self.skipped += 1,
            RowOutcome::Rejected => self.rejected += 1,
        }
    }
}

/// What a dry run found, nothing written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DryRun {
    pub counts: Counts,
    /// The first problems, in file order (every rejected row is counted).
    pub errors: Vec<RowError>,
    /// The first rows that hit a duplicate.
    pub duplicates: Vec<DuplicateHit>,
    /// The option values to map (at most `value_map::LISTED_VALUES` per column).
    pub unknown_values: Vec<UnknownValue>,
}

/// How many problems or duplicate hits a dry run lists.
pub const LISTED: usize = 50;

/// One file of a job, in the order the job runs them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileView {
    pub name: String,
    pub entity: ImportEntity,
    pub rows: u64,
    pub columns: Vec<ColumnView>,
    /// The fields a column can map to: name, label.
    pub fields: Vec<(String, String)>,
}

/// A job as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobView {
    pub id: i64,
    pub source_system: SourceSystem,
    pub status: JobStatus,
    pub files: Vec<FileView>,
    pub user_name: String,
    pub uploaded_at: String,
    pub finished_at: Option<String>,
    pub undone_at: Option<String>,
    pub settings: ImportSettings,
    /// The users rows can be given to: id, name.
    pub owners: Vec<(i64, String)>,
    /// The static lists of the job's record types the rows can go into: id, name.
    pub lists: Vec<(i64, String)>,
    pub progress: Progress,
}

impl JobView {
    /// What the job imports, as its title says it ("Leads", "Accounts, Contacts").
    pub fn entities(&self) -> String {
        let mut labels: Vec<&str> = Vec::new();
        for file in &self.files {
            if !labels.contains(&file.entity.label()) {
                labels.push(file.entity.label());
            }
        }
        labels.join(", ")
    }
}

/// A running or finished job's progress.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub status: Option<JobStatus>,
    pub job_id: i64,
    pub rows_total: u64,
    pub rows_done: u64,
    pub counts: Counts,
    /// Rows per second since the run started, whole rows.
    pub rows_per_second: u64,
    pub seconds_left: Option<u64>,
}

/// A past import, as the history lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct JobSummary {
    pub id: i64,
    pub status: JobStatus,
    pub files: String,
    pub user_name: String,
    pub uploaded_at: String,
    pub rows_total: i64,
    pub created: i64,
    pub updated: i64,
    pub skipped: i64,
    pub rejected: i64,
}

/// What undoing an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UndoReport {
    pub deleted: u64,
    pub restored: u64,
    /// Records edited since the import, left as they are: title, page.
    pub kept: Vec<(String, String)>,
}

/// The import page's URL state: why an upload was refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPageQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
}
