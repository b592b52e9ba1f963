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
        use crate::url_state::{
            read,
            tests::{AWKWARD, query_of},
        };
        for search in AWKWARD {
            let query = LeadQuery {
                search: Some(search.to_string()),
                page: 3,
                ..LeadQuery::default()
            };
            let url = query.to_url();
            assert!(!query_of(&url).contains(['#', ' '].as_slice()), "{url}");
            assert_eq!(read::<LeadQuery>(query_of(&url)), query, "{url}");
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
pub mod capture;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod export;
pub mod form;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod photo;
pub mod qualify;
pub mod record;
pub mod rules;

pub use crate::types::RecordLink;

use crate::url_state::field;
use serde::{Deserialize, Serialize};

option_set!(
    /// The saved views of the lead list.
    #[derive(Default)]
    LeadView {
        #[default] MyOpen => "my-open", "My open leads",
        AllOpen => "all-open", "All open leads",
        Closed => "closed", "Closed leads",
    }
);

option_set!(
    /// The columns the lead list sorts by.
    #[derive(Default)]
    LeadSort {
        #[default] Created => "created", "Created",
        Topic => "topic", "Topic",
        Name => "name", "Name",
        Company => "company", "Company",
        Source => "source", "Source",
        Rating => "rating", "Rating",
        Status => "status", "Status",
        Owner => "owner", "Owner",
        Score => "score", "Score",
    }
);

/// Rows per page of the lead list.
pub const LEAD_PAGE_SIZE: i64 = 25;

/// What the lead list shows: view, search, filters, sort and page. It round-trips through
/// the URL query string (`crate::url_state`) so a list can be shared and survives a reload;
/// the server function takes the same struct.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LeadQuery {
    #[serde(deserialize_with = "field::or_default")]
    pub view: LeadView,
    #[serde(rename = "q", alias = "search", deserialize_with = "field::optional")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    #[serde(
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub source: Option<SourceFilter>,
    #[serde(
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub rating: Option<Rating>,
    #[serde(
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub reason: Option<LeadStatusReason>,
    /// Open leads of one grade.
    #[serde(
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub grade: Option<crate::scoring::Grade>,
    /// The Closed view: qualified or disqualified only.
    #[serde(
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<LeadStatus>,
    #[serde(
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub owner: Option<i64>,
    /// Created on or after / on or before these days (`YYYY-MM-DD`).
    #[serde(
        rename = "from",
        alias = "created_from",
        deserialize_with = "field::day"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_from: Option<String>,
    #[serde(rename = "to", alias = "created_to", deserialize_with = "field::day")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_to: Option<String>,
    /// Leads that came through this web form.
    #[serde(
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub form: Option<i64>,
    /// Web leads whose landing page had these UTM parameters.
    #[serde(
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub utm_source: Option<String>,
    #[serde(
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub utm_medium: Option<String>,
    #[serde(
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub utm_campaign: Option<String>,
    /// The members of this static marketing list (any status, any owner: the view is
    /// not applied).
    #[serde(
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub list: Option<i64>,
    /// Only leads with an email address who have not opted out of email.
    #[serde(
        deserialize_with = "field::or_default",
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub emailable: bool,
    /// Only these leads (the rows chosen for "Export selected").
    #[serde(
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub ids: Option<crate::url_state::IdList>,
    #[serde(deserialize_with = "field::or_default")]
    pub sort: LeadSort,
    #[serde(rename = "dir", alias = "descending")]
    #[serde(
        deserialize_with = "field::descending",
        serialize_with = "field::direction"
    )]
    pub descending: bool,
    #[serde(
        deserialize_with = "field::page",
        skip_serializing_if = "field::is_first_page"
    )]
    pub page: i64,
}

/// The lead list's source filter: one source, or the leads without one (`source=none`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum SourceFilter {
    Missing,
    Is(LeadSource),
}

impl SourceFilter {
    pub fn code(self) -> &'static str {
        match self {
            SourceFilter::Missing => "none",
            SourceFilter::Is(source) => source.code(),
        }
    }
}

impl std::str::FromStr for SourceFilter {
    type Err = String;
    fn from_str(code: &str) -> Result<Self, Self::Err> {
        match code {
            "none" => Ok(SourceFilter::Missing),
            code => code.parse().map(SourceFilter::Is),
        }
    }
}

impl TryFrom<String> for SourceFilter {
    type Error = String;
    fn try_from(code: String) -> Result<Self, Self::Error> {
        code.parse()
    }
}

impl From<SourceFilter> for &'static str {
    fn from(filter: SourceFilter) -> Self {
        filter.code()
    }
}

impl Default for LeadQuery {
    fn default() -> Self {
        LeadQuery {
            view: LeadView::default(),
            search: None,
            source: None,
            rating: None,
            reason: None,
            grade: None,
            status: None,
            owner: None,
            created_from: None,
            created_to: None,
            form: None,
            utm_source: None,
            utm_medium: None,
            utm_campaign: None,
            list: None,
            emailable: false,
            ids: None,
            sort: LeadSort::default(),
            descending: true,
            page: 1,
        }
    }
}

impl LeadQuery {
    /// The lead list URL of this query.
    pub fn to_url(&self) -> String {
        crate::url_state::url("/leads", self)
    }

    /// The same query sorted by `sort`: a new column in its first direction, the other way
    /// when it already was.
    pub fn sorted_by(&self, sort: LeadSort) -> LeadQuery {
        // Scores are read best first; the other columns ascending first.
        let descending = if self.sort == sort {
            !self.descending
        } else {
            sort == LeadSort::Score
        };
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
    pub version: i64,
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
    pub score: i64,
    /// None on closed leads: they have no score.
    pub grade: Option<crate::scoring::Grade>,
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
    /// An open lead's score and what makes it up.
    pub score: Option<crate::scoring::LeadScore>,
    /// Whether the caller may change this lead (owner, or manager and up).
    pub can_edit: bool,
    /// Whether the caller may reassign it (managers and up).
    pub can_assign: bool,
    pub history: Vec<crate::history::HistoryEntry>,
    /// Whether a photo of a business card was captured with it.
    pub has_photo: bool,
    /// The web form it came through, and from where.
    pub web: Option<crate::webform::LeadWebOrigin>,
    pub lists: crate::lists::RecordLists,
    pub consent: crate::lists::Consent,
}

/// A lead synced from a device's outbox, with the likely duplicates it was saved beside
/// (shown to the rep as "possible duplicate of …", never merged).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncedLead {
    pub id: i64,
    pub possible_duplicates: Vec<crate::duplicates::DuplicateMatch>,
}

impl LeadPage {
    pub fn page_count(&self) -> i64 {
        crate::ui::list::page_count(self.total, self.page_size)
    }
}

#[cfg(test)]
mod query_tests {
    use super::*;
    use crate::url_state::{read, tests::query_of};

    #[test]
    fn a_query_survives_the_url() {
        let query = LeadQuery {
            view: LeadView::Closed,
            search: Some("Blue & Co".into()),
            source: Some(SourceFilter::Is(LeadSource::TradeShow)),
            rating: Some(Rating::Hot),
            reason: Some(LeadStatusReason::CannotContact),
            grade: Some(crate::scoring::Grade::B),
            status: Some(LeadStatus::Disqualified),
            owner: Some(3),
            created_from: Some("2026-01-01".into()),
            created_to: Some("2026-01-31".into()),
            form: Some(2),
            utm_source: Some("newsletter".into()),
            utm_medium: Some("email".into()),
            utm_campaign: Some("spring sale".into()),
            list: Some(4),
            emailable: true,
            ids: None,
            sort: LeadSort::Company,
            descending: false,
            page: 3,
        };
        let url = query.to_url();
        assert_eq!(
            url,
            "/leads?view=closed&q=Blue+%26+Co&source=trade_show&rating=hot&reason=cannot_contact&grade=b&status=disqualified&owner=3&from=2026-01-01&to=2026-01-31&form=2&utm_source=newsletter&utm_medium=email&utm_campaign=spring+sale&list=4&emailable=true&sort=company&dir=asc&page=3"
        );
        assert_eq!(read::<LeadQuery>(query_of(&url)), query);
    }

    #[test]
    fn leads_without_a_source_have_their_own_filter() {
        let query = LeadQuery {
            source: Some(SourceFilter::Missing),
            ..LeadQuery::default()
        };
        assert_eq!(
            query.to_url(),
            "/leads?view=my-open&source=none&sort=created&dir=desc"
        );
        assert_eq!(read::<LeadQuery>("source=none"), query);
    }

    #[test]
    fn bad_parameters_fall_back_to_defaults() {
        for bad in [
            "view=everything&page=-4&sort=salary&q=+++",
            "page=99999999999999999999999&from=2026-02-30&to=yesterday&owner=me",
            "source=carrier-pigeon&rating=lukewarm&dir=sideways&status=maybe",
            "q[]=nested&page=",
            "%%%&=&&==",
        ] {
            let mut expected = LeadQuery::default();
            if bad.contains("dir=sideways") {
                expected.descending = false;
            }
            assert_eq!(read::<LeadQuery>(bad), expected, "{bad}");
        }
        assert_eq!(read::<LeadQuery>(""), LeadQuery::default());
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

/// The status a new lead is written with (`db::insert`): open for everything users create;
/// already closed, with when and into which records, for the history the generator writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLeadState {
    pub reason: LeadStatusReason,
    /// When it was qualified or disqualified.
    pub closed_at: Option<String>,
    pub qualified_account_id: Option<i64>,
    pub qualified_contact_id: Option<i64>,
    pub qualified_opportunity_id: Option<i64>,
    /// The system an imported lead came from and its id there.
    pub source: Option<(String, String)>,
}

impl NewLeadState {
    pub fn open() -> NewLeadState {
        NewLeadState {
            reason: LeadStatusReason::New,
            closed_at: None,
            qualified_account_id: None,
            qualified_contact_id: None,
            qualified_opportunity_id: None,
            source: None,
        }
    }
}
