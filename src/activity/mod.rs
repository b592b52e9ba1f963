//! Activities: notes, phone calls, tasks and appointments logged on a lead, opportunity,
//! account or contact, and the timeline that shows them beside the record's system events.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod export;
pub mod list;
pub mod mine;
pub mod rules;
pub mod timeline;

use crate::option_set;
use crate::url_state::field;
use serde::{Deserialize, Serialize};

option_set!(ActivityKind {
    Note => "note", "Note",
    PhoneCall => "phone_call", "Phone call",
    Task => "task", "Task",
    Appointment => "appointment", "Appointment",
});

option_set!(CallDirection { Inbound => "inbound", "Inbound", Outbound => "outbound", "Outbound" });

option_set!(
    /// The kinds of record an activity can be about.
    RecordType {
        Lead => "lead", "Lead",
        Opportunity => "opportunity", "Opportunity",
        Account => "account", "Account",
        Contact => "contact", "Contact",
    }
);

impl RecordType {
    /// The page of a record of this kind (its section's address, as the router names it).
    pub fn url(self, id: i64) -> String {
        let section = match self {
            RecordType::Lead => "leads",
            RecordType::Opportunity => "opportunities",
            RecordType::Account => "accounts",
            RecordType::Contact => "contacts",
        };
        format!("/{section}/{id}")
    }
}

/// What the activity form sends, as typed; `rules::validate_activity` checks it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityInput {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub direction: String,
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub due_date: String,
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub ends_at: String,
    #[serde(default)]
    pub location: String,
    /// The browser's `Date.getTimezoneOffset()`: minutes to add to the typed local times to
    /// get UTC. Empty (JavaScript off) means the times were typed in UTC.
    #[serde(default)]
    pub utc_offset_minutes: String,
}

/// One activity as the timeline and My activities show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ActivityItem {
    pub id: i64,
    pub kind: ActivityKind,
    pub subject: String,
    pub body: Option<String>,
    pub direction: Option<CallDirection>,
    pub outcome: Option<String>,
    pub due_date: Option<String>,
    pub done: bool,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub location: Option<String>,
    pub owner_id: i64,
    pub owner_name: String,
    pub created_at: String,
    pub version: i64,
    /// The record the activity is on (on a roll-up, not always the page's own record).
    pub regarding_type: RecordType,
    pub regarding_id: i64,
    pub regarding_name: String,
}

impl ActivityItem {
    /// The details under the subject: direction and outcome, due date, time and place.
    pub fn details(&self) -> Vec<String> {
        let when = |at: &Option<String>| at.as_deref().map(|at| at.replace('T', " "));
        [
            self.direction.map(|d| format!("{} call", d.label())),
            self.outcome.clone().map(|o| format!("Outcome: {o}")),
            self.due_date.clone().map(|d| format!("Due {d}")),
            when(&self.starts_at)
                .zip(when(&self.ends_at))
                .map(|(from, to)| format!("{from} – {to} UTC")),
            self.location.clone(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// A change the system recorded on the record: created, qualified, stage changed, closed,
/// reopened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SystemEvent {
    pub id: i64,
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub changed_by: String,
    pub changed_at: String,
}

/// One entry of a timeline, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimelineEntry {
    Activity(ActivityItem),
    Event(SystemEvent),
}

impl TimelineEntry {
    pub fn at(&self) -> &str {
        match self {
            TimelineEntry::Activity(activity) => &activity.created_at,
            TimelineEntry::Event(event) => &event.changed_at,
        }
    }
}

/// The newest entries of a record's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelinePage {
    pub entries: Vec<TimelineEntry>,
    /// Whether older entries exist beyond these.
    pub more: bool,
}

/// The signed-in user's open tasks (overdue first) and today's appointments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyActivities {
    pub today: String,
    pub tasks: Vec<ActivityItem>,
    pub appointments: Vec<ActivityItem>,
}

option_set!(
    /// The saved views of the activity list.
    #[derive(Default)]
    ActivityView {
        #[default]
        Mine => "mine", "My activities",
        OpenTasks => "open-tasks", "Open tasks",
        All => "all", "All activities",
    }
);

option_set!(
    /// The columns the activity list sorts by.
    #[derive(Default)]
    ActivitySort {
        #[default]
        Created => "created", "Created",
        Due => "due", "Due date",
        Subject => "subject", "Subject",
        Owner => "owner", "Owner",
    }
);

pub const ACTIVITY_PAGE_SIZE: i64 = 25;

/// What the activity list shows. It round-trips through the URL (`crate::url_state`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ActivityQuery {
    #[serde(deserialize_with = "field::or_default")]
    pub view: ActivityView,
    #[serde(
        rename = "type",
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub kind: Option<ActivityKind>,
    #[serde(rename = "q", alias = "search", deserialize_with = "field::optional")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    #[serde(
        deserialize_with = "field::or_default",
        skip_serializing_if = "field::is_default"
    )]
    pub sort: ActivitySort,
    /// Newest first unless asked otherwise.
    #[serde(
        rename = "dir",
        alias = "descending",
        deserialize_with = "field::optional_descending",
        serialize_with = "field::optional_direction",
        skip_serializing_if = "Option::is_none"
    )]
    pub descending: Option<bool>,
    #[serde(
        deserialize_with = "field::page",
        skip_serializing_if = "field::is_first_page"
    )]
    pub page: i64,
}

impl Default for ActivityQuery {
    fn default() -> Self {
        ActivityQuery::of_view(ActivityView::default())
    }
}

impl ActivityQuery {
    pub fn of_view(view: ActivityView) -> ActivityQuery {
        ActivityQuery {
            view,
            kind: None,
            search: None,
            sort: ActivitySort::default(),
            descending: None,
            page: 1,
        }
    }

    /// The list's direction: as chosen, else newest first for Created and soonest first
    /// for the others.
    pub fn is_descending(&self) -> bool {
        self.descending
            .unwrap_or(self.sort == ActivitySort::Created)
    }

    pub fn url(&self) -> String {
        crate::url_state::url(ACTIVITY_LIST_PATH, self)
    }

    pub fn sorted_by(&self, sort: ActivitySort) -> ActivityQuery {
        ActivityQuery {
            sort,
            descending: Some(self.sort == sort && !self.is_descending()),
            page: 1,
            ..self.clone()
        }
    }

    pub fn at_page(&self, page: i64) -> ActivityQuery {
        ActivityQuery {
            page,
            ..self.clone()
        }
    }
}

/// Where the activity list lives.
pub const ACTIVITY_LIST_PATH: &str = "/activities/all";

/// One page of the activity list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityPage {
    pub rows: Vec<ActivityItem>,
    pub total: i64,
    pub page: i64,
}
