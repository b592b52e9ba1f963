//! Marketing lists and bulk actions: lists of leads, contacts or accounts (static: chosen
//! members; dynamic: a saved view of the member type's list page, whoever matches now), their
//! set operations and export, and the actions a list view applies to many records at once.

use crate::error::AppError;
use crate::option_set;
use serde::{Deserialize, Serialize};

option_set!(
    /// What a list holds: one kind of record, fixed when it is made.
    MemberType { Lead => "lead", "Leads", Contact => "contact", "Contacts", Account => "account", "Accounts" }
);

impl MemberType {
    /// The member type's list page, whose query string a dynamic list saves.
    pub fn path(self) -> &'static str {
        match self {
            MemberType::Lead => "/leads",
            MemberType::Contact => "/contacts",
            MemberType::Account => "/accounts",
        }
    }

    /// "lead", "leads" (`count` of them).
    pub fn noun(self, count: i64) -> String {
        let singular = match self {
            MemberType::Lead => "lead",
            MemberType::Contact => "contact",
            MemberType::Account => "account",
        };
        if count == 1 {
            singular.to_string()
        } else {
            format!("{singular}s")
        }
    }

    /// Whether its records carry do-not-email/phone/mail flags (leads and contacts).
    pub fn has_consent(self) -> bool {
        self != MemberType::Account
    }
}

option_set!(
    /// Static lists hold chosen members; dynamic ones are a saved view.
    #[derive(Default)]
    ListKind { #[default] Static => "static", "Static", Dynamic => "dynamic", "Dynamic" }
);

/// What creating or editing a list takes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListInput {
    pub name: String,
    pub member_type: String,
    pub kind: String,
    /// A dynamic list's view: the query string of its member type's list page.
    pub query: String,
    pub description: String,
    pub purpose: String,
}

/// A list's input, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidList {
    pub name: String,
    pub member_type: MemberType,
    pub kind: ListKind,
    pub query: String,
    pub description: Option<String>,
    pub purpose: Option<String>,
}

pub const NAME_MAX: usize = 120;
pub const TEXT_MAX: usize = 2_000;

/// Checks a list's input: a name, a member type, a kind; a dynamic list's query is the
/// query string alone (a pasted address keeps what follows its `?`).
pub fn validate_list(input: &ListInput) -> Result<ValidList, AppError> {
    let mut errors = crate::error::FieldErrors::new();
    let name = input.name.trim();
    if name.is_empty() {
        errors.insert("name".into(), "Give the list a name.".into());
    } else if name.chars().count() > NAME_MAX {
        errors.insert(
            "name".into(),
            format!("Keep the name to {NAME_MAX} characters."),
        );
    }
    let member_type = MemberType::from_code(input.member_type.trim());
    if member_type.is_none() {
        errors.insert(
            "member_type".into(),
            "Choose leads, contacts or accounts.".into(),
        );
    }
    let kind = if input.kind.trim().is_empty() {
        Some(ListKind::Static)
    } else {
        ListKind::from_code(input.kind.trim())
    };
    if kind.is_none() {
        errors.insert("kind".into(), "Choose static or dynamic.".into());
    }
    let optional = |text: &str, field: &str, errors: &mut crate::error::FieldErrors| {
        let text = text.trim();
        if text.chars().count() > TEXT_MAX {
            errors.insert(field.into(), format!("Keep this to {TEXT_MAX} characters."));
        }
        (!text.is_empty()).then(|| text.to_string())
    };
    let description = optional(&input.description, "description", &mut errors);
    let purpose = optional(&input.purpose, "purpose", &mut errors);
    let query = input
        .query
        .trim()
        .split_once('?')
        .map_or(input.query.trim(), |(_, query)| query)
        .to_string();
    if query.len() > TEXT_MAX {
        errors.insert("query".into(), "This view is too long to save.".into());
    }
    match (member_type, kind) {
        (Some(member_type), Some(kind)) if errors.is_empty() => Ok(ValidList {
            name: name.to_string(),
            member_type,
            kind,
            query: if kind == ListKind::Dynamic {
                query
            } else {
                String::new()
            },
            description,
            purpose,
        }),
        _ => Err(AppError::Validation(errors)),
    }
}

/// Why one list's members cannot go into another: a different member type, or a dynamic
/// target (its members are a view, not chosen).
pub fn check_copy(from: MemberType, into: MemberType, into_kind: ListKind) -> Result<(), AppError> {
    if from != into {
        return Err(AppError::field(
            "list",
            format!(
                "Choose a list of {}: this one holds {}.",
                from.label().to_lowercase(),
                into.label().to_lowercase()
            ),
        ));
    }
    if into_kind == ListKind::Dynamic {
        return Err(AppError::field(
            "list",
            "Choose a static list: a dynamic list's members are whoever matches its view.",
        ));
    }
    Ok(())
}

/// The records a bulk action applies to: rows chosen on a page (each with the version the
/// user saw, so a record changed meanwhile is skipped), or every record matching the list
/// view's query string now, on the server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Selection {
    pub ids: Vec<i64>,
    pub versions: Vec<i64>,
    /// The list page's query string ("select all N matching").
    pub matching: Option<String>,
}

/// How many rows one request may choose by id (a page is 25).
pub const MAX_CHOSEN: usize = 1_000;

impl Selection {
    /// The list view's query string, when the selection is "all matching".
    pub fn matching(&self) -> Option<&str> {
        self.matching
            .as_deref()
            .filter(|query| !query.trim().is_empty())
    }

    /// The chosen rows as (id, version) pairs, checked.
    pub fn chosen(&self) -> Result<Vec<(i64, i64)>, AppError> {
        if self.ids.len() != self.versions.len() || self.ids.len() > MAX_CHOSEN {
            return Err(AppError::BadRequest(
                "The selection is not valid: choose the records again.".into(),
            ));
        }
        if self.matching().is_none() && self.ids.is_empty() {
            return Err(AppError::field("selection", "Select at least one record."));
        }
        Ok(self
            .ids
            .iter()
            .copied()
            .zip(self.versions.iter().copied())
            .collect())
    }
}

option_set!(
    /// The bulk actions of a list view, beside Add to list.
    BulkVerb { Assign => "assign", "Assign owner", Disqualify => "disqualify", "Disqualify", Deactivate => "deactivate", "Deactivate" }
);

option_set!(
    /// Where a record was added to a list from (its membership says).
    AddedFrom { ListView => "list_view", "List view", Record => "record", "Record page" }
);

/// A bulk action on a list view's selection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkAction {
    /// Give the records to this user (managers and admins).
    AssignOwner { owner_id: i64 },
    /// Disqualify leads with this reason (a `LeadStatusReason` code).
    Disqualify { reason: String },
    /// Deactivate accounts or contacts.
    Deactivate,
}

/// What a bulk action or an add to a list did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkReport {
    pub changed: i64,
    /// Already there (an add to a list) or already so (an action): nothing to do.
    pub unchanged: i64,
    pub skipped: Vec<Skipped>,
    /// The list the records went into (an add to a new list makes one).
    pub list_id: Option<i64>,
}

option_set!(
    /// Where a bulk action running on the server is.
    BulkState { Running => "running", "Running", Finished => "finished", "Finished", Interrupted => "interrupted", "Stopped by a server restart" }
);

/// A bulk action running on the server (each record goes through its own write, so
/// thousands take seconds): how far it has got, and its report so far (the skipped records
/// are named once it has stopped, counted before).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkProgress {
    pub job_id: i64,
    pub member_type: MemberType,
    pub state: BulkState,
    pub total: i64,
    pub done: i64,
    pub skipped: i64,
    pub report: BulkReport,
}

impl BulkProgress {
    /// "1,200 of 10,000 leads · 3 skipped" beside its bar.
    pub fn text(&self) -> String {
        let mut text = format!(
            "{} of {} {}",
            self.done,
            self.total,
            self.member_type.noun(self.total)
        );
        if self.skipped > 0 {
            text.push_str(&format!(" · {} skipped", self.skipped));
        }
        if self.state == BulkState::Interrupted {
            text.push_str(" · stopped by a server restart: run it again on the rest");
        }
        text
    }
}

/// A record a bulk action left alone, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub id: i64,
    pub reason: String,
}

/// How many skipped records a report names (the rest are counted).
pub const SKIPPED_SHOWN: usize = 50;

impl BulkReport {
    /// "12 changed, 3 skipped." for a toast.
    pub fn summary(&self, member_type: MemberType) -> String {
        let mut parts = vec![format!(
            "{} {} changed",
            self.changed,
            member_type.noun(self.changed)
        )];
        if self.unchanged > 0 {
            parts.push(format!("{} already so", self.unchanged));
        }
        if !self.skipped.is_empty() {
            parts.push(format!("{} skipped", self.skipped.len()));
        }
        format!("{}.", parts.join(", "))
    }

    /// Records why `id` was skipped, from the error its write returned.
    pub fn skip(&mut self, id: i64, error: &AppError) {
        self.skipped.push(Skipped {
            id,
            reason: skip_reason(error),
        });
    }
}

/// Why a record's write was refused, as a bulk report says it.
pub fn skip_reason(error: &AppError) -> String {
    match error {
        AppError::Forbidden => "not allowed: it is not yours".into(),
        // `history::db::check_version`'s refusal.
        AppError::Conflict { message, .. } if message.contains("after you opened it") => {
            "its version changed: someone edited it meanwhile".into()
        }
        AppError::Conflict { message, .. } => format!("read-only: {message}"),
        AppError::NotFound(_) => "it no longer exists".into(),
        other => other.to_string(),
    }
}

/// One list on `/lists`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ListRow {
    pub id: i64,
    pub name: String,
    pub member_type: MemberType,
    pub kind: ListKind,
    pub owner_name: String,
    pub modified_at: String,
    /// Static lists only (a dynamic list is counted on its page).
    pub members: Option<i64>,
}

/// Everything a list's page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListDetail {
    pub id: i64,
    pub name: String,
    pub member_type: MemberType,
    pub kind: ListKind,
    pub query: String,
    pub description: Option<String>,
    pub purpose: Option<String>,
    pub owner_id: i64,
    pub owner_name: String,
    pub version: i64,
    pub created_at: String,
    pub modified_at: String,
    pub modified_by: String,
    pub members: i64,
    /// Members with an email address who have not opted out of email.
    pub emailable: i64,
    /// A static list of leads: members qualified since they were added.
    pub qualified_since_added: Option<i64>,
    /// Whether the caller may change it (its owner, managers and admins).
    pub can_change: bool,
}

impl ListDetail {
    /// The member type's list page showing this list's members: a static list's members
    /// (`list=`), or a dynamic list's saved view.
    pub fn members_url(&self) -> String {
        match self.kind {
            ListKind::Static => format!("{}?list={}", self.member_type.path(), self.id),
            ListKind::Dynamic if self.query.is_empty() => self.member_type.path().to_string(),
            ListKind::Dynamic => format!("{}?{}", self.member_type.path(), self.query),
        }
    }

    /// The CSV of the members for a mailing tool: without those who opted out of email
    /// unless `include_opted_out`.
    pub fn export_url(&self, include_opted_out: bool) -> String {
        let members = self.members_url();
        let (path, query) = members.split_once('?').unwrap_or((&members, ""));
        let mut query: Vec<&str> = query
            .split('&')
            .filter(|pair| !pair.is_empty() && !pair.starts_with("page="))
            .collect();
        if !include_opted_out && self.member_type.has_consent() {
            query.push("emailable=true");
        }
        format!("/api{path}/export.csv?{}", query.join("&"))
    }
}

/// A list a record is a member of (its page's "Member of").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Membership {
    pub list_id: i64,
    pub name: String,
    pub added_at: String,
    pub added_by: String,
    pub added_from: String,
}

/// What a record page shows of lists: the static lists it is in, and those of its type it
/// could join (loaded with the record, so the page creates no resources of its own).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordLists {
    pub member_of: Vec<Membership>,
    pub can_join: Vec<crate::types::RecordLink>,
}

/// A record's consent: who may be emailed, phoned or mailed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Consent {
    #[serde(default)]
    pub do_not_email: bool,
    #[serde(default)]
    pub do_not_phone: bool,
    #[serde(default)]
    pub do_not_mail: bool,
}

impl Consent {
    /// The history rows of a change from `self` to `new`.
    pub fn changes(self, new: Consent) -> Vec<crate::history::FieldChange> {
        let yes_no = |flag: bool| Some(if flag { "Yes" } else { "No" }.to_string());
        [
            ("do_not_email", self.do_not_email, new.do_not_email),
            ("do_not_phone", self.do_not_phone, new.do_not_phone),
            ("do_not_mail", self.do_not_mail, new.do_not_mail),
        ]
        .into_iter()
        .filter(|(_, old, new)| old != new)
        .map(|(field, old, new)| crate::history::FieldChange {
            field,
            old: yes_no(old),
            new: yes_no(new),
        })
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, member_type: &str, kind: &str, query: &str) -> ListInput {
        ListInput {
            name: name.into(),
            member_type: member_type.into(),
            kind: kind.into(),
            query: query.into(),
            ..ListInput::default()
        }
    }

    #[test]
    fn a_list_needs_a_name_a_member_type_and_a_kind() {
        let Err(AppError::Validation(errors)) = validate_list(&input("  ", "people", "sorted", ""))
        else {
            panic!("accepted")
        };
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            ["kind", "member_type", "name"]
        );
        let long = "x".repeat(NAME_MAX + 1);
        assert!(validate_list(&input(&long, "lead", "static", "")).is_err());
        let list = validate_list(&input(" Trade show ", "contact", "", "q=x")).unwrap();
        assert_eq!(list.name, "Trade show");
        assert_eq!(list.kind, ListKind::Static);
        // A static list keeps no view.
        assert_eq!(list.query, "");
    }

    #[test]
    fn a_dynamic_list_keeps_the_query_string_of_a_pasted_address() {
        let list = validate_list(&input(
            "Hot",
            "lead",
            "dynamic",
            "http://127.0.0.1:3000/leads?view=all-open&rating=hot",
        ))
        .unwrap();
        assert_eq!(list.query, "view=all-open&rating=hot");
        let plain = validate_list(&input("Hot 2", "lead", "dynamic", "rating=hot")).unwrap();
        assert_eq!(plain.query, "rating=hot");
    }

    #[test]
    fn members_go_only_into_a_static_list_of_the_same_type() {
        assert!(check_copy(MemberType::Lead, MemberType::Lead, ListKind::Static).is_ok());
        let other = check_copy(MemberType::Lead, MemberType::Contact, ListKind::Static)
            .unwrap_err()
            .field_message("list")
            .unwrap();
        assert_eq!(other, "Choose a list of leads: this one holds contacts.");
        assert!(check_copy(MemberType::Lead, MemberType::Lead, ListKind::Dynamic).is_err());
    }

    #[test]
    fn a_selection_pairs_ids_with_versions() {
        let chosen = Selection {
            ids: vec![4, 9],
            versions: vec![1, 3],
            matching: None,
        };
        assert_eq!(chosen.chosen().unwrap(), [(4, 1), (9, 3)]);
        let uneven = Selection {
            ids: vec![4, 9],
            versions: vec![1],
            matching: None,
        };
        assert_eq!(uneven.chosen().unwrap_err().status_code(), 400);
        assert_eq!(
            Selection::default().chosen().unwrap_err().status_code(),
            422
        );
        let all = Selection {
            matching: Some("view=all-open".into()),
            ..Selection::default()
        };
        assert_eq!(all.chosen().unwrap(), []);
    }

    #[test]
    fn members_and_export_urls_follow_the_kind() {
        let mut list = ListDetail {
            id: 7,
            name: "Spring".into(),
            member_type: MemberType::Lead,
            kind: ListKind::Static,
            query: String::new(),
            description: None,
            purpose: None,
            owner_id: 1,
            owner_name: "Ada".into(),
            version: 1,
            created_at: String::new(),
            modified_at: String::new(),
            modified_by: String::new(),
            members: 0,
            emailable: 0,
            qualified_since_added: None,
            can_change: true,
        };
        assert_eq!(list.members_url(), "/leads?list=7");
        assert_eq!(
            list.export_url(false),
            "/api/leads/export.csv?list=7&emailable=true"
        );
        assert_eq!(list.export_url(true), "/api/leads/export.csv?list=7");
        list.kind = ListKind::Dynamic;
        list.query = "view=all-open&rating=hot&page=3".into();
        assert_eq!(list.members_url(), "/leads?view=all-open&rating=hot&page=3");
        assert_eq!(
            list.export_url(true),
            "/api/leads/export.csv?view=all-open&rating=hot"
        );
        list.member_type = MemberType::Account;
        assert_eq!(
            list.export_url(false),
            "/api/accounts/export.csv?view=all-open&rating=hot"
        );
    }

    #[test]
    fn a_report_says_what_changed_and_why_others_were_skipped() {
        let mut report = BulkReport {
            changed: 12,
            unchanged: 1,
            skipped: Vec::new(),
            list_id: None,
        };
        report.skip(5, &AppError::Forbidden);
        report.skip(
            6,
            &AppError::Conflict {
                message: "Riley Rep changed this lead after you opened it.".into(),
                changed_fields: vec![],
            },
        );
        report.skip(
            7,
            &AppError::Conflict {
                message: "This lead is closed.".into(),
                changed_fields: vec![],
            },
        );
        assert_eq!(
            report.summary(MemberType::Lead),
            "12 leads changed, 1 already so, 3 skipped."
        );
        let reasons: Vec<_> = report.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "not allowed: it is not yours",
                "its version changed: someone edited it meanwhile",
                "read-only: This lead is closed."
            ]
        );
    }

    #[test]
    fn consent_changes_name_only_the_flags_that_moved() {
        let changes = Consent::default().changes(Consent {
            do_not_email: true,
            ..Consent::default()
        });
        assert_eq!(changes.len(), 1);
        assert_eq!(
            (
                changes[0].field,
                changes[0].old.as_deref(),
                changes[0].new.as_deref()
            ),
            ("do_not_email", Some("No"), Some("Yes"))
        );
        assert!(Consent::default().changes(Consent::default()).is_empty());
    }
}

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;
pub mod pages;
pub mod selection;
