//! Opportunities: potential sales driven through the sales process to won or lost.

use crate::option_set;

option_set!(OpportunityStatus { Open => "open", "Open", Won => "won", "Won", Lost => "lost", "Lost" });

pub use crate::process::ForecastCategory;

option_set!(StakeholderRole {
    DecisionMaker => "decision_maker", "Decision Maker",
    EconomicBuyer => "economic_buyer", "Economic Buyer",
    Champion => "champion", "Champion",
    Influencer => "influencer", "Influencer",
    TechnicalBuyer => "technical_buyer", "Technical Buyer",
    EndUser => "end_user", "End User",
});

pub mod api;
pub mod board;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod export;
pub mod list;
pub mod pages;
pub mod parties;
pub mod rules;

use crate::lead::LeadSource;
use crate::process::StageProgress;
use crate::types::RecordLink;
use serde::{Deserialize, Serialize};

/// How a closed opportunity ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseInfo {
    pub actual_revenue: Option<String>,
    pub actual_close_date: Option<String>,
    pub lost_reason: Option<String>,
    pub competitor: Option<String>,
    pub description: Option<String>,
}

/// The opportunity record as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpportunitySummary {
    pub id: i64,
    pub fields: rules::OpportunityFields,
    pub status: OpportunityStatus,
    pub forecast: rules::Forecast,
    /// The active stage's defaults (what "follow the stage" means now).
    pub stage_defaults: rules::StageDefaults,
    pub account: Option<RecordLink>,
    pub contact: Option<RecordLink>,
    pub originating_lead: Option<RecordLink>,
    pub owner_id: i64,
    pub owner_name: String,
    pub version: i64,
    pub can_edit: bool,
    /// Managers and admins may give the opportunity to another owner.
    pub can_assign: bool,
    pub lead_source: Option<LeadSource>,
    pub decision_maker_identified: Option<bool>,
    pub close: Option<CloseInfo>,
    pub progress: StageProgress,
    pub history: Vec<crate::history::HistoryEntry>,
    pub lost_reasons: Vec<rules::LostReason>,
    /// Every active competitor (the close dialog's and the add form's choices).
    pub competitors: Vec<RecordLink>,
    pub parties: parties::Parties,
    /// The server's date, the default close date.
    pub today: String,
}

/// A new opportunity as its one INSERT (`db::insert`) writes it. Qualify creates open ones;
/// the generator also writes closed ones, as the history Close as Won/Lost would have left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOpportunity {
    pub fields: rules::OpportunityFields,
    pub account_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub originating_lead_id: Option<i64>,
    pub lead_source: Option<LeadSource>,
    pub decision_maker_identified: Option<bool>,
    pub process_id: i64,
    pub stage_id: i64,
    /// The stage's (or the user's) probability and forecast category while open.
    pub probability: i64,
    pub forecast_category: ForecastCategory,
    pub outcome: NewOpportunityOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewOpportunityOutcome {
    Open,
    Won {
        actual_revenue_minor: i64,
        /// `YYYY-MM-DD`.
        actual_close_date: String,
        closed_at: String,
    },
    Lost {
        lost_reason_id: i64,
        competitor_id: Option<i64>,
        actual_close_date: String,
        closed_at: String,
    },
}
