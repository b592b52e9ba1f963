//! Lead scoring: rules an admin writes (a condition and points each), a 0–100 score with
//! its fit and engagement parts and an A–D grade on every open lead, the lines that explain
//! it, and a draft that is backtested on closed leads before it is published.

pub mod api;
mod card;
#[cfg(feature = "ssr")]
pub mod db;
pub mod page;
pub mod rules;

pub use card::ScoreCard;

use crate::option_set;
use serde::{Deserialize, Serialize};

option_set!(
    /// What a scoring rule tests: a lead field (fit) or what the lead did (engagement).
    #[derive(Default)]
    RuleTest {
        #[default] Equals => "equals", "Field equals",
        OneOf => "one-of", "Field is one of",
        IsSet => "is-set", "Field is filled in",
        NotSet => "not-set", "Field is empty",
        Contains => "contains", "Field contains",
        InRange => "in-range", "Budget in range",
        RecentActivities => "recent-activities", "Each activity in the last N days (fading)",
        WebForm => "web-form", "Came through a web form",
        Quiet => "quiet", "No activity for N days",
    }
);

impl RuleTest {
    /// Engagement (what the lead did) rather than fit (who they are).
    pub fn is_engagement(self) -> bool {
        matches!(
            self,
            RuleTest::RecentActivities | RuleTest::WebForm | RuleTest::Quiet
        )
    }

    pub fn needs_field(self) -> bool {
        !self.is_engagement()
    }

    pub fn needs_value(self) -> bool {
        matches!(
            self,
            RuleTest::Equals | RuleTest::OneOf | RuleTest::Contains
        )
    }

    pub fn needs_range(self) -> bool {
        self == RuleTest::InRange
    }

    pub fn needs_days(self) -> bool {
        matches!(self, RuleTest::RecentActivities | RuleTest::Quiet)
    }
}

option_set!(
    /// A lead's grade: A (call first) to D, by the admin's score thresholds.
    Grade {
        A => "a", "A",
        B => "b", "B",
        C => "c", "C",
        D => "d", "D",
    }
);

/// A rule as the editor holds it: numbers as typed, so a bad one is named next to its
/// input and kept. `value` holds one value (equals) or several, comma-separated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuleDraft {
    pub name: String,
    pub test: RuleTest,
    pub field: String,
    pub value: String,
    pub min: String,
    pub max: String,
    pub days: String,
    pub points: String,
    pub cap: String,
}

/// The rules and the lowest score of grades A, B and C, as the editor holds them. The
/// published versions are stored in this form too (they passed the same checks).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuleSetDraft {
    pub rules: Vec<RuleDraft>,
    pub grade_a: String,
    pub grade_b: String,
    pub grade_c: String,
}

/// One line of a score's explanation: "+20 Rating is Hot".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreLine {
    pub points: i64,
    pub engagement: bool,
    pub text: String,
}

impl ScoreLine {
    /// The line as a rep reads it, sign first.
    pub fn label(&self) -> String {
        format!("{:+} {}", self.points, self.text)
    }
}

/// An open lead's score: 0–100 (fit plus engagement, kept within), its grade, the rules
/// version that produced it and the lines that add up to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadScore {
    pub score: i64,
    pub grade: Grade,
    pub fit: i64,
    pub engagement: i64,
    pub version: i64,
    pub lines: Vec<ScoreLine>,
}

/// A lead field a rule can test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoringField {
    pub name: String,
    pub label: String,
    /// The values it can hold, when it is a choice (values must be one of these).
    pub options: Vec<String>,
}

/// How far a recompute of every open lead has got (after a publish or the daily run).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct RecomputeProgress {
    pub version: i64,
    pub done: i64,
    pub total: i64,
    pub finished: bool,
}

/// The scoring settings page: the draft (with the revision it was saved at, for conflicts),
/// the published version, warnings about the draft, the fields and the last recompute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoringEditor {
    pub draft: RuleSetDraft,
    pub revision: i64,
    pub published_version: i64,
    pub published_at: Option<String>,
    pub draft_is_published: bool,
    pub warnings: Vec<String>,
    pub fields: Vec<ScoringField>,
    pub recompute: Option<RecomputeProgress>,
}

/// Closed leads of one grade and how they ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BacktestRow {
    pub grade: Grade,
    pub leads: i64,
    pub qualified: i64,
    pub disqualified: i64,
}

impl BacktestRow {
    /// The qualification rate in whole percent, when the grade has leads.
    pub fn rate(&self) -> Option<i64> {
        (self.leads > 0).then(|| (self.qualified * 100 + self.leads / 2) / self.leads)
    }
}

/// The closed leads scored as they stood when they closed, by the draft and by the
/// published rules: per grade, how many were qualified and disqualified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backtest {
    pub draft: Vec<BacktestRow>,
    pub published: Vec<BacktestRow>,
    pub published_version: i64,
}

/// A backtest running in the background: the closed leads it has scored so far, and once it
/// is done its result, or why it stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BacktestProgress {
    pub id: i64,
    pub done: i64,
    pub total: i64,
    pub result: Option<Backtest>,
    pub error: Option<String>,
}

impl BacktestProgress {
    pub fn finished(&self) -> bool {
        self.result.is_some() || self.error.is_some()
    }
}
