//! Web-to-lead: forms a company website embeds (a plain HTML form, an iframe, or the hosted
//! page `/f/{key}`). A submission creates a lead routed to a rep, or logs an activity on the
//! known person it matches; suspected spam waits in quarantine and a burst over the form's
//! rate waits in a queue, so nothing a visitor sends is lost.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod public;
pub mod rules;
#[cfg(feature = "ssr")]
pub mod token;

use crate::lead::LeadSource;
use crate::option_set;
use crate::types::RecordLink;
use serde::{Deserialize, Serialize};

option_set!(OwnerRule {
    User => "user", "One user",
    RoundRobin => "round_robin", "Round-robin over reps",
});

option_set!(
    /// What became of a submission.
    SubmissionOutcome {
        Created => "created", "Created",
        Matched => "matched", "Matched",
        Quarantined => "quarantined", "Quarantined",
        Queued => "queued", "Queued",
        Rejected => "rejected", "Rejected",
        Deleted => "deleted", "Deleted",
    }
);

/// One lead field a form asks for, with the label the visitor reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormField {
    pub field: String,
    pub label: String,
    pub required: bool,
}

/// A web form's settings as the admin types them; `rules::validate_form` checks them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WebFormInput {
    pub name: String,
    pub fields: Vec<FormField>,
    pub consent_text: String,
    pub lead_source: String,
    pub campaign: String,
    pub owner_rule: String,
    pub owner_id: Option<i64>,
    /// Round-robin: the reps, in rotation order.
    pub reps: Vec<i64>,
    pub thank_you: String,
    pub redirect_url: String,
    /// One origin per line.
    pub allowed_origins: String,
    pub min_fill_seconds: String,
    /// A static list of leads every lead the form creates goes into.
    pub list_id: Option<i64>,
}

/// Who gets a new web lead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OwnerChoice {
    User(i64),
    RoundRobin(Vec<i64>),
}

/// A web form's settings, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebFormConfig {
    pub name: String,
    pub fields: Vec<FormField>,
    pub consent_text: Option<String>,
    pub lead_source: LeadSource,
    pub campaign: Option<String>,
    pub owner: OwnerChoice,
    pub thank_you: Option<String>,
    pub redirect_url: Option<String>,
    pub allowed_origins: Vec<String>,
    pub min_fill_seconds: i64,
    pub list_id: Option<i64>,
}

impl WebFormConfig {
    /// The settings as the editor shows them.
    pub fn to_input(&self) -> WebFormInput {
        let (owner_rule, owner_id, reps) = match &self.owner {
            OwnerChoice::User(id) => (OwnerRule::User, Some(*id), Vec::new()),
            OwnerChoice::RoundRobin(reps) => (OwnerRule::RoundRobin, None, reps.clone()),
        };
        WebFormInput {
            name: self.name.clone(),
            fields: self.fields.clone(),
            consent_text: self.consent_text.clone().unwrap_or_default(),
            lead_source: self.lead_source.code().into(),
            campaign: self.campaign.clone().unwrap_or_default(),
            owner_rule: owner_rule.code().into(),
            owner_id,
            reps,
            thank_you: self.thank_you.clone().unwrap_or_default(),
            redirect_url: self.redirect_url.clone().unwrap_or_default(),
            allowed_origins: self.allowed_origins.join("\n"),
            min_fill_seconds: self.min_fill_seconds.to_string(),
            list_id: self.list_id,
        }
    }
}

/// One row of the forms list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct WebFormSummary {
    pub id: i64,
    pub name: String,
    pub public_key: String,
    pub paused: bool,
    pub leads_created: i64,
    pub waiting: i64,
    pub last_submission: Option<String>,
}

/// A form as its editor shows it, with the ways to embed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebFormDetail {
    pub id: i64,
    pub public_key: String,
    pub version: i64,
    pub paused: bool,
    pub config: WebFormConfig,
    pub embed: Embed,
}

/// The three ways to put a form on a website.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Embed {
    pub hosted_url: String,
    pub html_form: String,
    pub iframe: String,
}

/// Where a submission came from: the page it was sent on, the page before it, and the
/// landing page's UTM parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct WebOrigin {
    pub page_url: Option<String>,
    pub referrer: Option<String>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub utm_term: Option<String>,
    pub utm_content: Option<String>,
}

impl WebOrigin {
    /// Label and value of each part that is known, for display.
    pub fn known(&self) -> Vec<(&'static str, String)> {
        [
            ("Page", &self.page_url),
            ("Referrer", &self.referrer),
            ("UTM source", &self.utm_source),
            ("UTM medium", &self.utm_medium),
            ("UTM campaign", &self.utm_campaign),
            ("UTM term", &self.utm_term),
            ("UTM content", &self.utm_content),
        ]
        .into_iter()
        .filter_map(|(label, value)| Some((label, value.clone()?)))
        .collect()
    }
}

/// A web lead's origin as its record shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadWebOrigin {
    pub form: RecordLink,
    pub origin: WebOrigin,
}

/// One entry of a form's submissions log (and of the quarantine).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionRow {
    pub id: i64,
    pub received_at: String,
    pub outcome: SubmissionOutcome,
    pub reason: Option<String>,
    /// Label and value of each field sent (quarantined and queued submissions only).
    pub values: Vec<(String, String)>,
    /// Who sent it, as far as the fields say (name and email).
    pub sender: String,
    pub record: Option<(String, String)>,
}

/// A form's submissions log, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionLog {
    pub form_name: String,
    pub rows: Vec<SubmissionRow>,
    pub total: i64,
}

/// Rows per page of a submissions log.
pub const LOG_PAGE_SIZE: i64 = 50;
