//! The sales dashboard: funnel, open pipeline by month, won revenue by month, lead sources,
//! win rate and sales cycle, lost reasons. The figures come from SQL sums over the
//! trigger-kept `opportunity_monthly` and `lead_monthly` tables (migration 0005); every
//! figure links to the list that shows exactly the records it counts.

pub mod charts;
#[cfg(feature = "ssr")]
pub mod db;
pub mod page;
pub mod stages;

use crate::auth::{Role, User};
use crate::error::AppError;
use crate::lead::{LeadQuery, LeadSource, LeadStatus, LeadView, SourceFilter};
use crate::opportunity::ForecastCategory;
use crate::opportunity::list::{OpportunityQuery, OpportunityView};
use crate::url_state::field;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Month {
    pub year: i32,
    /// 1–12.
    pub month: u32,
}

const MONTH_NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl Month {
    pub fn of(date: NaiveDate) -> Month {
        Month {
            year: date.year(),
            month: date.month(),
        }
    }

    /// Reads `YYYY-MM` (what `<input type="month">` sends).
    pub fn parse(text: &str) -> Option<Month> {
        let (year, month) = text.trim().split_once('-')?;
        let month = Month {
            year: year.parse().ok()?,
            month: month.parse().ok()?,
        };
        (year.len() == 4 && (1..=12).contains(&month.month)).then_some(month)
    }

    /// `YYYY-MM`, as stored in the monthly tables.
    pub fn code(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }

    /// The month `n` months later (earlier when negative).
    pub fn plus(self, n: i32) -> Month {
        let index = self.year * 12 + self.month as i32 - 1 + n;
        Month {
            year: index.div_euclid(12),
            month: index.rem_euclid(12) as u32 + 1,
        }
    }

    pub fn first_day(self) -> String {
        format!("{}-01", self.code())
    }

    pub fn last_day(self) -> String {
        let next = self.plus(1);
        NaiveDate::from_ymd_opt(next.year, next.month, 1)
            .and_then(|d| d.pred_opt())
            .map(|d| d.to_string())
            .unwrap_or_default()
    }

    /// "Mar"
    pub fn short_name(self) -> &'static str {
        MONTH_NAMES[(self.month as usize - 1) % 12]
    }

    /// "Mar 2026"
    pub fn label(self) -> String {
        format!("{} {}", self.short_name(), self.year)
    }

    /// `first` through `last`, in order.
    pub fn range(first: Month, last: Month) -> Vec<Month> {
        std::iter::successors(Some(first), |m| Some(m.plus(1)))
            .take_while(|m| *m <= last)
            .collect()
    }
}

/// Months a chart spans by default, and at most.
pub const DEFAULT_MONTHS: i32 = 12;
pub const MAX_MONTHS: usize = 36;

/// Whose figures the dashboard shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OwnerChoice {
    Me,
    Everyone,
    User(i64),
}

impl OwnerChoice {
    pub fn parse(text: &str) -> Option<OwnerChoice> {
        match text {
            "me" => Some(OwnerChoice::Me),
            "all" => Some(OwnerChoice::Everyone),
            id => id.parse().ok().map(OwnerChoice::User),
        }
    }

    pub fn code(self) -> String {
        match self {
            OwnerChoice::Me => "me".into(),
            OwnerChoice::Everyone => "all".into(),
            OwnerChoice::User(id) => id.to_string(),
        }
    }
}

/// The dashboard's filters as the URL holds them (`owner`, `from`, `to`; months `YYYY-MM`,
/// checked by `Window::resolve` so a bad month gets its field error).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DashboardQuery {
    #[serde(
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub owner: Option<String>,
    #[serde(
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub from: Option<String>,
    #[serde(
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub to: Option<String>,
    /// The sales process whose stages the funnel and the stage figures show (None: the
    /// default one).
    #[serde(
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub process: Option<i64>,
}

impl DashboardQuery {
    pub fn to_url(&self) -> String {
        crate::url_state::url("/dashboard", self)
    }
}

/// The months each part of the dashboard covers. Without a range: the funnel counts every
/// open opportunity, the open pipeline the next 12 months (this one first), and the closed
/// figures and lead sources the last 12 months (this one last). A range applies to all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub range: Option<(Month, Month)>,
    pub open_months: Vec<Month>,
    pub closed_months: Vec<Month>,
}

impl Window {
    pub fn resolve(
        from: Option<&str>,
        to: Option<&str>,
        today: NaiveDate,
    ) -> Result<Window, AppError> {
        let month = |field: &str, text: Option<&str>| match text {
            None => Ok(None),
            Some(text) => Month::parse(text)
                .map(Some)
                .ok_or_else(|| AppError::field(field, "Enter a month such as 2026-03.")),
        };
        let (from, to) = (month("from", from)?, month("to", to)?);
        let range = match (from, to) {
            (None, None) => None,
            (Some(from), None) => Some((from, from.plus(DEFAULT_MONTHS - 1))),
            (None, Some(to)) => Some((to.plus(1 - DEFAULT_MONTHS), to)),
            (Some(from), Some(to)) => Some((from, to)),
        };
        if let Some((from, to)) = range {
            if from > to {
                return Err(AppError::field(
                    "to",
                    "The end month is before the start month.",
                ));
            }
            let months = Month::range(from, to);
            if months.len() > MAX_MONTHS {
                return Err(AppError::field(
                    "to",
                    format!("Choose at most {MAX_MONTHS} months."),
                ));
            }
            return Ok(Window {
                range,
                open_months: months.clone(),
                closed_months: months,
            });
        }
        let this = Month::of(today);
        Ok(Window {
            range: None,
            open_months: Month::range(this, this.plus(DEFAULT_MONTHS - 1)),
            closed_months: Month::range(this.plus(1 - DEFAULT_MONTHS), this),
        })
    }

    /// The first and last day of the closed months (the lead and closed-list links' range).
    pub fn closed_days(&self) -> (String, String) {
        span(&self.closed_months)
    }
}

fn span(months: &[Month]) -> (String, String) {
    let first = months.first().map(|m| m.first_day()).unwrap_or_default();
    let last = months.last().map(|m| m.last_day()).unwrap_or_default();
    (first, last)
}

/// Whose figures a user may see: reps their own, managers and admins anyone's. Without a
/// choice, reps see their own and managers everyone's. Returns the owner id to filter by.
pub fn resolve_owner(choice: Option<&str>, user: &User) -> Result<Option<i64>, AppError> {
    let manager = user.role.includes(Role::Manager);
    let choice = match choice {
        None => {
            if manager {
                OwnerChoice::Everyone
            } else {
                OwnerChoice::Me
            }
        }
        Some(text) => OwnerChoice::parse(text)
            .ok_or_else(|| AppError::field("owner", "Choose me, everyone or a user."))?,
    };
    match choice {
        OwnerChoice::Me => Ok(Some(user.id)),
        OwnerChoice::User(id) if id == user.id => Ok(Some(id)),
        OwnerChoice::User(id) if manager => Ok(Some(id)),
        OwnerChoice::Everyone if manager => Ok(None),
        _ => Err(AppError::Forbidden),
    }
}

/// A count and a sum of revenue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub count: i64,
    pub revenue_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunnelStage {
    pub stage_id: i64,
    pub name: String,
    pub open: Tally,
    pub weighted_minor: i64,
}

/// The forecast categories the open pipeline shows, bottom of each bar first.
pub const PIPELINE_CATEGORIES: [ForecastCategory; 3] = [
    ForecastCategory::Committed,
    ForecastCategory::BestCase,
    ForecastCategory::Pipeline,
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineMonth {
    pub month: Month,
    /// In the order of `PIPELINE_CATEGORIES`.
    pub categories: [Tally; 3],
    pub weighted_minor: i64,
}

impl PipelineMonth {
    pub fn total(&self) -> Tally {
        self.categories
            .iter()
            .fold(Tally::default(), |sum, t| Tally {
                count: sum.count + t.count,
                revenue_minor: sum.revenue_minor + t.revenue_minor,
            })
    }
}

/// Won and lost opportunities closed in one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosedMonth {
    pub month: Month,
    pub won: Tally,
    pub lost: Tally,
    /// Days from creation to close, summed over the won ones.
    pub won_cycle_days: i64,
}

impl ClosedMonth {
    /// Won ÷ (won + lost) in whole percent; none when nothing closed.
    pub fn win_rate(&self) -> Option<i64> {
        percent(self.won.count, self.won.count + self.lost.count)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LostReasonRow {
    pub id: i64,
    pub label: String,
    pub lost: Tally,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRow {
    /// None: leads without a source.
    pub source: Option<LeadSource>,
    pub open: i64,
    pub qualified: i64,
    pub disqualified: i64,
}

impl SourceRow {
    pub fn total(&self) -> i64 {
        self.open + self.qualified + self.disqualified
    }

    /// Qualified ÷ all leads from the source, in whole percent.
    pub fn qualification_rate(&self) -> Option<i64> {
        percent(self.qualified, self.total())
    }

    pub fn count(&self, status: LeadStatus) -> i64 {
        match status {
            LeadStatus::Open => self.open,
            LeadStatus::Qualified => self.qualified,
            LeadStatus::Disqualified => self.disqualified,
        }
    }
}

/// Web-form leads of one landing-page UTM source (None: without one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebSourceRow {
    pub utm_source: Option<String>,
    pub counts: SourceRow,
}

/// Time in stage, stage conversion and stalled opportunities of one stage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct StageFlow {
    pub stage_id: i64,
    /// Opportunities that ever entered the stage (once each).
    pub entered: i64,
    /// Of those, the ones that went on to a later stage or were won.
    pub moved_on: i64,
    pub won: i64,
    /// Stays that ended with a move to another stage, and their average and median days.
    pub visits: i64,
    pub average_days_x10: Option<i64>,
    pub median_days_x10: Option<i64>,
    /// Open opportunities in the stage for longer than its threshold (live, not recomputed).
    #[cfg_attr(feature = "ssr", sqlx(default))]
    pub stalled: i64,
    #[cfg_attr(feature = "ssr", sqlx(default))]
    pub stalled_days: Option<i64>,
}

/// "4.5" days from tenths.
pub fn days_text(tenths: Option<i64>) -> String {
    tenths.map_or("—".into(), |t| format!("{}.{}", t / 10, t % 10))
}

/// The stage figures the dashboard shows, with when the recomputed part was last made.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageFlows {
    pub stages: Vec<(String, StageFlow)>,
    pub as_of: Option<String>,
}

/// Everything the dashboard shows for one owner filter and window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub owner_id: Option<i64>,
    pub window: Window,
    pub funnel: Vec<FunnelStage>,
    pub pipeline: Vec<PipelineMonth>,
    pub closed: Vec<ClosedMonth>,
    pub lost_reasons: Vec<LostReasonRow>,
    pub sources: Vec<SourceRow>,
    /// The breakdown of Web by UTM source.
    pub web_sources: Vec<WebSourceRow>,
    pub stage_flows: StageFlows,
}

impl Dashboard {
    pub fn won_total(&self) -> Tally {
        self.closed.iter().fold(Tally::default(), |sum, m| Tally {
            count: sum.count + m.won.count,
            revenue_minor: sum.revenue_minor + m.won.revenue_minor,
        })
    }

    pub fn lost_count(&self) -> i64 {
        self.closed.iter().map(|m| m.lost.count).sum()
    }

    /// Average days from creation to close of the won opportunities, to one decimal.
    pub fn average_cycle_days(&self) -> Option<String> {
        let days: i64 = self.closed.iter().map(|m| m.won_cycle_days).sum();
        let won = self.won_total().count;
        (won > 0).then(|| format!("{:.1}", days as f64 / won as f64))
    }

    pub fn win_rate(&self) -> Option<i64> {
        let won = self.won_total().count;
        percent(won, won + self.lost_count())
    }

    fn opportunities(
        &self,
        view: OpportunityView,
        from: Option<String>,
        to: Option<String>,
    ) -> OpportunityQuery {
        OpportunityQuery {
            owner: self.owner_id,
            close_from: from,
            close_to: to,
            ..OpportunityQuery::of_view(view)
        }
    }

    /// The open list behind one funnel stage.
    pub fn funnel_link(&self, stage_id: i64) -> String {
        let (from, to) = match self.window.range {
            Some(_) => {
                let (from, to) = span(&self.window.open_months);
                (Some(from), Some(to))
            }
            None => (None, None),
        };
        OpportunityQuery {
            stage: Some(stage_id),
            ..self.opportunities(OpportunityView::AllOpen, from, to)
        }
        .to_url()
    }

    /// The open list behind one month's segment of the open pipeline.
    pub fn pipeline_link(&self, month: Month, category: ForecastCategory) -> String {
        OpportunityQuery {
            forecast: Some(category),
            ..self.opportunities(
                OpportunityView::AllOpen,
                Some(month.first_day()),
                Some(month.last_day()),
            )
        }
        .to_url()
    }

    /// The won or lost list of one month (all closed months when `month` is None).
    pub fn closed_link(&self, view: OpportunityView, month: Option<Month>) -> String {
        let (from, to) = match month {
            Some(month) => (month.first_day(), month.last_day()),
            None => self.window.closed_days(),
        };
        self.opportunities(view, Some(from), Some(to)).to_url()
    }

    /// The open opportunities that have sat in one stage past its threshold.
    pub fn stalled_link(&self, stage_id: i64) -> String {
        OpportunityQuery {
            stage: Some(stage_id),
            stalled: Some(true),
            ..self.opportunities(OpportunityView::AllOpen, None, None)
        }
        .to_url()
    }

    /// The opportunities behind a stage's conversion figures (over all time, as they are):
    /// All with `went_on` false for those that entered it, true for those that went on;
    /// Won for those won.
    pub fn entered_link(&self, stage_id: i64, view: OpportunityView, went_on: bool) -> String {
        OpportunityQuery {
            entered: Some(stage_id),
            went_on: went_on.then_some(true),
            ..self.opportunities(view, None, None)
        }
        .to_url()
    }

    /// The lost list of one lost reason over the closed months.
    pub fn lost_reason_link(&self, reason_id: i64) -> String {
        let (from, to) = self.window.closed_days();
        OpportunityQuery {
            lost_reason: Some(reason_id),
            ..self.opportunities(OpportunityView::Lost, Some(from), Some(to))
        }
        .to_url()
    }

    /// The lead list behind one source's open, qualified or disqualified count.
    pub fn source_link(&self, source: Option<LeadSource>, status: LeadStatus) -> String {
        self.leads_link(source, None, status)
    }

    /// The lead list behind one UTM source's count in the breakdown of Web.
    pub fn web_source_link(&self, utm_source: &str, status: LeadStatus) -> String {
        self.leads_link(Some(LeadSource::Web), Some(utm_source), status)
    }

    fn leads_link(
        &self,
        source: Option<LeadSource>,
        utm_source: Option<&str>,
        status: LeadStatus,
    ) -> String {
        let (from, to) = self.window.closed_days();
        let view = match status {
            LeadStatus::Open => LeadView::AllOpen,
            _ => LeadView::Closed,
        };
        LeadQuery {
            view,
            source: Some(source.map_or(SourceFilter::Missing, SourceFilter::Is)),
            status: (status != LeadStatus::Open).then_some(status),
            owner: self.owner_id,
            created_from: Some(from),
            created_to: Some(to),
            utm_source: utm_source.map(str::to_string),
            ..LeadQuery::default()
        }
        .to_url()
    }
}

/// `part` of `whole` in whole percent (rounded half up); none when `whole` is zero.
pub fn percent(part: i64, whole: i64) -> Option<i64> {
    (whole > 0).then(|| (part * 200 + whole) / (2 * whole))
}

/// Chart labels: "USD 1.3M", "USD 350K", "USD 980" (rounded half up; tables show exact amounts).
pub fn compact_usd(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let minor = minor.unsigned_abs();
    // Minor units per tenth of the unit shown.
    let (tenth, suffix) = match minor {
        m if m >= 99_995_000 => (10_000_000, "M"),
        m if m >= 99_950 => (10_000, "K"),
        _ => (10, ""),
    };
    let tenths = (minor + tenth / 2) / tenth;
    let text = if suffix.is_empty() || tenths >= 1_000 || tenths.is_multiple_of(10) {
        ((minor + tenth * 5) / (tenth * 10)).to_string()
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    };
    format!("USD {sign}{text}{suffix}")
}

#[leptos::server(endpoint = "dashboard")]
pub async fn load_dashboard(
    #[server(default)] query: DashboardQuery,
) -> Result<Dashboard, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            let owner_id = resolve_owner(query.owner.as_deref(), &user)?;
            let window = Window::resolve(
                query.from.as_deref(),
                query.to.as_deref(),
                chrono::Utc::now().date_naive(),
            )?;
            Ok(db::load(&state()?.pool, owner_id, window, query.process).await?)
        }
        .await,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn user(id: i64, role: Role) -> User {
        User {
            id,
            email: "someone@example.com".into(),
            name: "Someone".into(),
            role,
            active: true,
            version: 1,
        }
    }

    #[test]
    fn months_parse_step_and_know_their_days() {
        let march = Month::parse("2026-03").unwrap();
        assert_eq!(march.code(), "2026-03");
        assert_eq!(march.plus(10).code(), "2027-01");
        assert_eq!(march.plus(-3).code(), "2025-12");
        assert_eq!(Month::parse("2024-02").unwrap().last_day(), "2024-02-29");
        assert_eq!(march.last_day(), "2026-03-31");
        assert_eq!(Month::parse("2026-12").unwrap().last_day(), "2026-12-31");
        assert_eq!(march.label(), "Mar 2026");
        for bad in ["2026-13", "2026-00", "26-03", "march", "2026"] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
        assert_eq!(Month::range(march, march.plus(2)).len(), 3);
    }

    #[test]
    fn without_a_range_open_looks_ahead_and_closed_looks_back() {
        let window = Window::resolve(None, None, date("2026-11-23")).unwrap();
        assert_eq!(window.range, None);
        assert_eq!(window.open_months.first().unwrap().code(), "2026-11");
        assert_eq!(window.open_months.last().unwrap().code(), "2027-10");
        assert_eq!(window.closed_months.first().unwrap().code(), "2025-12");
        assert_eq!(window.closed_months.last().unwrap().code(), "2026-11");
        assert_eq!(
            window.closed_days(),
            ("2025-12-01".to_string(), "2026-11-30".to_string())
        );
    }

    #[test]
    fn a_range_applies_to_every_part_and_is_checked() {
        let today = date("2026-11-23");
        let window = Window::resolve(Some("2026-01"), Some("2026-03"), today).unwrap();
        assert_eq!(window.open_months, window.closed_months);
        assert_eq!(window.open_months.len(), 3);
        let open_ended = Window::resolve(Some("2026-01"), None, today).unwrap();
        assert_eq!(open_ended.open_months.last().unwrap().code(), "2026-12");
        let backwards = Window::resolve(Some("2026-05"), Some("2026-04"), today).unwrap_err();
        assert!(backwards.field_message("to").is_some());
        let too_long = Window::resolve(Some("2020-01"), Some("2026-01"), today).unwrap_err();
        assert!(too_long.field_message("to").unwrap().contains("36"));
        let garbage = Window::resolve(Some("soon"), None, today).unwrap_err();
        assert!(garbage.field_message("from").is_some());
    }

    #[test]
    fn reps_see_their_own_figures_and_managers_anyones() {
        let rep = user(3, Role::Rep);
        let manager = user(2, Role::Manager);
        assert_eq!(resolve_owner(None, &rep).unwrap(), Some(3));
        assert_eq!(resolve_owner(Some("me"), &rep).unwrap(), Some(3));
        assert_eq!(resolve_owner(Some("3"), &rep).unwrap(), Some(3));
        assert_eq!(resolve_owner(Some("all"), &rep), Err(AppError::Forbidden));
        assert_eq!(resolve_owner(Some("2"), &rep), Err(AppError::Forbidden));
        assert_eq!(resolve_owner(None, &manager).unwrap(), None);
        assert_eq!(resolve_owner(Some("3"), &manager).unwrap(), Some(3));
        assert_eq!(resolve_owner(Some("me"), &manager).unwrap(), Some(2));
        assert!(resolve_owner(Some("boss"), &manager).is_err());
    }

    #[test]
    fn rates_round_and_skip_empty_months() {
        assert_eq!(percent(1, 3), Some(33));
        assert_eq!(percent(2, 3), Some(67));
        assert_eq!(percent(1, 8), Some(13));
        assert_eq!(percent(0, 0), None);
        let month = ClosedMonth {
            month: Month::parse("2026-01").unwrap(),
            won: Tally {
                count: 3,
                revenue_minor: 0,
            },
            lost: Tally {
                count: 1,
                revenue_minor: 0,
            },
            won_cycle_days: 0,
        };
        assert_eq!(month.win_rate(), Some(75));
        let source = SourceRow {
            source: None,
            open: 5,
            qualified: 4,
            disqualified: 1,
        };
        assert_eq!(source.qualification_rate(), Some(40));
    }

    #[test]
    fn chart_labels_are_compact() {
        assert_eq!(compact_usd(12_345_678_900), "USD 123M");
        assert_eq!(compact_usd(125_000_000), "USD 1.3M");
        assert_eq!(compact_usd(100_000_000), "USD 1M");
        assert_eq!(compact_usd(3_500_000), "USD 35K");
        assert_eq!(compact_usd(98_000), "USD 980");
        assert_eq!(compact_usd(99_999), "USD 1K");
        assert_eq!(compact_usd(120_049), "USD 1.2K");
        assert_eq!(compact_usd(0), "USD 0");
    }

    #[test]
    fn the_url_holds_the_filters() {
        let query = DashboardQuery {
            owner: Some("all".into()),
            from: Some("2026-01".into()),
            to: None,
            process: None,
        };
        assert_eq!(query.to_url(), "/dashboard?owner=all&from=2026-01");
        assert_eq!(
            crate::url_state::read::<DashboardQuery>("owner=all&from=2026-01&to=+"),
            query
        );
    }
}
