//! Leads: prospects not yet qualified — capture, views, duplicate warnings, the Qualify
//! stage bar, Qualify (one transaction) and Disqualify/Reactivate.

use crate::option_set;

option_set!(LeadSource {
    Advertisement => "advertisement", "Advertisement",
    EmployeeReferral => "employee_referral", "Employee Referral",
    ExternalReferral => "external_referral", "External Referral",
    Partner => "partner", "Partner",
    PublicRelations => "public_relations", "Public Relations",
    Seminar => "seminar", "Seminar",
    TradeShow => "trade_show", "Trade Show",
    Web => "web", "Web",
    WordOfMouth => "word_of_mouth", "Word of Mouth",
    Other => "other", "Other",
});

option_set!(Rating { Hot => "hot", "Hot", Warm => "warm", "Warm", Cold => "cold", "Cold" });

option_set!(BudgetStatus {
    NoCommittedBudget => "no_committed_budget", "No Committed Budget",
    MayBuy => "may_buy", "May Buy",
    CanBuy => "can_buy", "Can Buy",
    WillBuy => "will_buy", "Will Buy",
});

option_set!(PurchaseTimeframe {
    Immediate => "immediate", "Immediate",
    ThisQuarter => "this_quarter", "This Quarter",
    NextQuarter => "next_quarter", "Next Quarter",
    ThisYear => "this_year", "This Year",
    Unknown => "unknown", "Unknown",
});

option_set!(PurchaseProcess {
    Individual => "individual", "Individual",
    Committee => "committee", "Committee",
    Unknown => "unknown", "Unknown",
});

option_set!(Need {
    MustHave => "must_have", "Must have",
    ShouldHave => "should_have", "Should have",
    GoodToHave => "good_to_have", "Good to have",
    NoNeed => "no_need", "No need",
});

option_set!(LeadStatus {
    Open => "open", "Open",
    Qualified => "qualified", "Qualified",
    Disqualified => "disqualified", "Disqualified",
});

option_set!(LeadStatusReason {
    New => "new", "New",
    Contacted => "contacted", "Contacted",
    Qualified => "qualified", "Qualified",
    Lost => "lost", "Lost",
    CannotContact => "cannot_contact", "Cannot Contact",
    NoLongerInterested => "no_longer_interested", "No Longer Interested",
    Canceled => "canceled", "Canceled",
});

impl LeadStatusReason {
    /// The status a reason belongs to (the schema enforces the same pairing).
    pub fn status(self) -> LeadStatus {
        match self {
            LeadStatusReason::New | LeadStatusReason::Contacted => LeadStatus::Open,
            LeadStatusReason::Qualified => LeadStatus::Qualified,
            _ => LeadStatus::Disqualified,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_of_any_text_round_trips_through_the_url() {
        use crate::ui::list::tests::{AWKWARD, read_back};
        for search in AWKWARD {
            let query = LeadQuery {
                search: Some(search.to_string()),
                page: 3,
                ..LeadQuery::default()
            };
            let url = query.to_url();
            assert_eq!(LeadQuery::from_params(read_back(&url)), query, "{url}");
        }
    }

    #[test]
    fn every_reason_belongs_to_one_status() {
        let disqualifying: Vec<_> = LeadStatusReason::ALL
            .iter()
            .filter(|r| r.status() == LeadStatus::Disqualified)
            .map(|r| r.label())
            .collect();
        assert_eq!(
            disqualifying,
            ["Lost", "Cannot Contact", "No Longer Interested", "Canceled"]
        );
        assert_eq!(LeadStatusReason::Contacted.status(), LeadStatus::Open);
    }

    #[test]
    fn product_option_values_are_all_present() {
        assert_eq!(LeadSource::ALL.len(), 10);
        assert_eq!(LeadSource::WordOfMouth.label(), "Word of Mouth");
        assert_eq!(BudgetStatus::ALL.len(), 4);
        assert_eq!(PurchaseTimeframe::ALL.len(), 5);
        assert_eq!(Need::ALL.len(), 4);
    }
}

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;
pub mod form;
pub mod pages;
pub mod qualify;
pub mod record;
pub mod rules;

pub use crate::types::RecordLink;

use crate::ui::list::{list_url, page_param, param};
use serde::{Deserialize, Serialize};

option_set!(
    /// The saved views of the lead list.
    LeadView {
        MyOpen => "my-open", "My open leads",
        AllOpen => "all-open", "All open leads",
        Closed => "closed", "Closed leads",
    }
);

option_set!(
    /// The columns the lead list sorts by.
    LeadSort {
        Created => "created", "Created",
        Topic => "topic", "Topic",
        Name => "name", "Name",
        Company => "company", "Company",
        Source => "source", "Source",
        Rating => "rating", "Rating",
        Status => "status", "Status",
        Owner => "owner", "Owner",
    }
);

/// Rows per page of the lead list.
pub const LEAD_PAGE_SIZE: i64 = 25;

/// What the lead list shows: view, search, filters, sort and page. It round-trips through
/// the URL query string so a list can be shared and survives a reload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadQuery {
    pub view: LeadView,
    pub search: Option<String>,
    pub source: Option<LeadSource>,
    pub rating: Option<Rating>,
    pub reason: Option<LeadStatusReason>,
    /// The Closed view: qualified or disqualified only.
    pub status: Option<LeadStatus>,
    /// Leads without a source (`source=none`).
    #[serde(default)]
    pub no_source: bool,
    pub owner: Option<i64>,
    /// Created on or after / on or before these days (`YYYY-MM-DD`).
    pub created_from: Option<String>,
    pub created_to: Option<String>,
    pub sort: LeadSort,
    pub descending: bool,
    pub page: i64,
}

impl Default for LeadQuery {
    fn default() -> Self {
        LeadQuery {
            view: LeadView::MyOpen,
            search: None,
            source: None,
            rating: None,
            reason: None,
            status: None,
            no_source: false,
            owner: None,
            created_from: None,
            created_to: None,
            sort: LeadSort::Created,
            descending: true,
            page: 1,
        }
    }
}

impl LeadQuery {
    /// Reads a query from URL parameters; anything missing or unknown takes its default.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> LeadQuery {
        let defaults = LeadQuery::default();
        let text = |key: &str| param(&get, key);
        let date = |key: &str| {
            text(key).filter(|v| chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok())
        };
        LeadQuery {
            view: text("view")
                .and_then(|v| LeadView::from_code(&v))
                .unwrap_or(defaults.view),
            search: text("q"),
            source: text("source").and_then(|v| LeadSource::from_code(&v)),
            rating: text("rating").and_then(|v| Rating::from_code(&v)),
            reason: text("reason").and_then(|v| LeadStatusReason::from_code(&v)),
            status: text("status").and_then(|v| LeadStatus::from_code(&v)),
            no_source: text("source").as_deref() == Some("none"),
            owner: text("owner").and_then(|v| v.parse().ok()),
            created_from: date("from"),
            created_to: date("to"),
            sort: text("sort")
                .and_then(|v| LeadSort::from_code(&v))
                .unwrap_or(defaults.sort),
            descending: text("dir").map_or(defaults.descending, |d| d != "asc"),
            page: page_param(&get),
        }
    }

    /// The URL of this query (defaults left out, so links stay short).
    pub fn to_url(&self) -> String {
        let mut params: Vec<(&str, String)> = vec![("view", self.view.code().into())];
        if let Some(search) = &self.search {
            params.push(("q", search.clone()));
        }
        if let Some(source) = self.source {
            params.push(("source", source.code().into()));
        } else if self.no_source {
            params.push(("source", "none".into()));
        }
        if let Some(rating) = self.rating {
            params.push(("rating", rating.code().into()));
        }
        if let Some(reason) = self.reason {
            params.push(("reason", reason.code().into()));
        }
        if let Some(status) = self.status {
            params.push(("status", status.code().into()));
        }
        if let Some(owner) = self.owner {
            params.push(("owner", owner.to_string()));
        }
        if let Some(from) = &self.created_from {
            params.push(("from", from.clone()));
        }
        if let Some(to) = &self.created_to {
            params.push(("to", to.clone()));
        }
        if self.sort != LeadSort::Created || !self.descending {
            params.push(("sort", self.sort.code().into()));
            params.push(("dir", if self.descending { "desc" } else { "asc" }.into()));
        }
        if self.page > 1 {
            params.push(("page", self.page.to_string()));
        }
        list_url("/leads", &params)
    }

    /// The same query sorted by `sort`: ascending first, descending when it already was.
    pub fn sorted_by(&self, sort: LeadSort) -> LeadQuery {
        let descending = self.sort == sort && !self.descending;
        LeadQuery {
            sort,
            descending,
            page: 1,
            ..self.clone()
        }
    }

    pub fn at_page(&self, page: i64) -> LeadQuery {
        LeadQuery {
            page,
            ..self.clone()
        }
    }
}

/// One row of the lead list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct LeadRow {
    pub id: i64,
    pub topic: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company_name: Option<String>,
    pub email: Option<String>,
    pub lead_source: Option<LeadSource>,
    pub rating: Option<Rating>,
    pub status_reason: LeadStatusReason,
    pub owner_name: String,
    pub created_at: String,
}

impl LeadRow {
    pub fn full_name(&self) -> String {
        [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// One page of the lead list and how many rows match in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadPage {
    pub rows: Vec<LeadRow>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

/// Everything the lead record page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadDetail {
    pub id: i64,
    pub fields: rules::LeadFields,
    pub status: LeadStatus,
    pub status_reason: LeadStatusReason,
    pub owner_id: i64,
    pub owner_name: String,
    pub version: i64,
    pub created_at: String,
    pub created_by: String,
    pub modified_at: String,
    pub modified_by: String,
    pub account: Option<RecordLink>,
    pub contact: Option<RecordLink>,
    pub opportunity: Option<RecordLink>,
    pub progress: crate::process::StageProgress,
    /// Whether the caller may change this lead (owner, or manager and up).
    pub can_edit: bool,
    /// Whether the caller may reassign it (managers and up).
    pub can_assign: bool,
    pub history: Vec<crate::history::HistoryEntry>,
}

/// What saving a lead did: saved it, or stopped to show likely duplicates (the user then
/// opens one or saves anyway).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SaveOutcome {
    Saved { id: i64, version: i64 },
    Duplicates(Vec<crate::duplicates::DuplicateMatch>),
}

impl LeadPage {
    pub fn page_count(&self) -> i64 {
        crate::ui::list::page_count(self.total, self.page_size)
    }
}

#[cfg(test)]
mod query_tests {
    use super::*;

    #[test]
    fn a_query_survives_the_url() {
        let query = LeadQuery {
            view: LeadView::Closed,
            search: Some("Blue & Co".into()),
            source: Some(LeadSource::TradeShow),
            rating: Some(Rating::Hot),
            reason: Some(LeadStatusReason::CannotContact),
            status: Some(LeadStatus::Disqualified),
            no_source: false,
            owner: Some(3),
            created_from: Some("2026-01-01".into()),
            created_to: Some("2026-01-31".into()),
            sort: LeadSort::Company,
            descending: false,
            page: 3,
        };
        let url = query.to_url();
        assert_eq!(
            url,
            "/leads?view=closed&q=Blue%20%26%20Co&source=trade_show&rating=hot&reason=cannot_contact&status=disqualified&owner=3&from=2026-01-01&to=2026-01-31&sort=company&dir=asc&page=3"
        );
        let params: std::collections::HashMap<String, String> = url
            .split_once('?')
            .unwrap()
            .1
            .split('&')
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap();
                (k.to_string(), v.replace("%20", " ").replace("%26", "&"))
            })
            .collect();
        assert_eq!(LeadQuery::from_params(|k| params.get(k).cloned()), query);
    }

    #[test]
    fn leads_without_a_source_have_their_own_filter() {
        let query = LeadQuery {
            no_source: true,
            ..LeadQuery::default()
        };
        assert_eq!(query.to_url(), "/leads?view=my-open&source=none");
        let parsed = LeadQuery::from_params(|key| (key == "source").then(|| "none".to_string()));
        assert_eq!(parsed, query);
    }

    #[test]
    fn bad_parameters_fall_back_to_defaults() {
        let query = LeadQuery::from_params(|key| match key {
            "view" => Some("everything".into()),
            "page" => Some("-4".into()),
            "sort" => Some("salary".into()),
            "q" => Some("   ".into()),
            _ => None,
        });
        assert_eq!(query, LeadQuery::default());
        assert_eq!(LeadQuery::default().to_url(), "/leads?view=my-open");
    }

    #[test]
    fn sorting_toggles_direction_and_resets_the_page() {
        let query = LeadQuery::default().at_page(4);
        let by_topic = query.sorted_by(LeadSort::Topic);
        assert_eq!(
            (by_topic.sort, by_topic.descending, by_topic.page),
            (LeadSort::Topic, false, 1)
        );
        assert!(by_topic.sorted_by(LeadSort::Topic).descending);
    }
}
