//! Business process flows: ordered stages with steps, shown as the stage bar on a lead or
//! an opportunity.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;
pub mod editor;
mod picker;
pub mod rules;
mod stage_bar;

pub use picker::ProcessFilter;
pub use stage_bar::StageBar;

use crate::option_set;
use serde::{Deserialize, Serialize};

/// A stage of a process, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct StageInfo {
    pub id: i64,
    pub name: String,
}

/// A step of the active stage and whether the record has done it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepState {
    pub id: i64,
    pub name: String,
    pub required: bool,
    /// Field-bound steps tick themselves; only checkbox steps are ticked by hand.
    pub field_bound: bool,
    pub done: bool,
    /// One line under the step on the stage bar.
    pub guidance: Option<String>,
}

/// What the stage bar shows: the stages, the active one and its steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageProgress {
    pub process_id: i64,
    pub process_name: String,
    pub stages: Vec<StageInfo>,
    pub active_stage_id: i64,
    /// The record's stage was archived after it got there (a reopened deal): shown
    /// read-only, and Next Stage moves it on.
    pub active_archived: bool,
    pub steps: Vec<StepState>,
}

impl StageProgress {
    pub fn active_index(&self) -> usize {
        self.stages
            .iter()
            .position(|stage| stage.id == self.active_stage_id)
            .unwrap_or(0)
    }
}

/// A step as defined in the process (before looking at a record).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct StepDefinition {
    pub id: i64,
    pub name: String,
    pub required: bool,
    pub field_name: Option<String>,
    pub guidance: Option<String>,
}

/// Marks each step done: a field-bound step when `is_filled(field)`, a checkbox step when
/// it is among the ticked ones.
pub fn step_states(
    definitions: Vec<StepDefinition>,
    ticked: &[i64],
    is_filled: impl Fn(&str) -> bool,
) -> Vec<StepState> {
    definitions
        .into_iter()
        .map(|step| {
            let done = match &step.field_name {
                Some(field) => is_filled(field),
                None => ticked.contains(&step.id),
            };
            StepState {
                id: step.id,
                name: step.name,
                required: step.required,
                field_bound: step.field_name.is_some(),
                done,
                guidance: step.guidance,
            }
        })
        .collect()
}

option_set!(
    /// Which record a stage is for: the lead's stage comes before Qualify, the opportunity's
    /// after.
    StageEntity { Lead => "lead", "Lead", Opportunity => "opportunity", "Opportunity" }
);

option_set!(
    /// Where a stage's opportunities count in the forecast.
    ForecastCategory {
        Pipeline => "pipeline", "Pipeline",
        BestCase => "best_case", "Best case",
        Committed => "committed", "Committed",
        Omitted => "omitted", "Omitted",
        Won => "won", "Won",
        Lost => "lost", "Lost",
    }
);

/// A field a field-bound step can watch on a record kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChoice {
    pub entity: StageEntity,
    pub name: String,
    pub label: String,
}

/// A process as its editor shows it and sends it back: `version` is the one the editor
/// started from (a save on top of a newer one is a conflict).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessDraft {
    pub id: i64,
    pub name: String,
    pub version: i64,
    #[serde(default)]
    pub stages: Vec<StageDraft>,
}

/// A stage in the editor (`id` none for a new one). Numbers stay text until validated, so
/// a typo comes back as a field error with what was typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageDraft {
    #[serde(default)]
    pub id: Option<i64>,
    pub entity: StageEntity,
    pub name: String,
    pub probability: String,
    pub forecast: ForecastCategory,
    /// Days in the stage after which an open opportunity counts as stalled (blank: never).
    #[serde(default)]
    pub stalled_days: String,
    #[serde(default)]
    pub archived: bool,
    /// Where its open opportunities go when it is archived.
    #[serde(default)]
    pub move_open_to: Option<i64>,
    #[serde(default)]
    pub steps: Vec<StepDraft>,
}

/// A step in the editor (`id` none for a new one); `field` names the record field it
/// watches, none for a checkbox.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepDraft {
    #[serde(default)]
    pub id: Option<i64>,
    pub name: String,
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub required: bool,
    /// One line shown under the step on the stage bar.
    #[serde(default)]
    pub guidance: String,
}

/// One saved version of a process: who saved it, when, and what it changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessVersion {
    pub version: i64,
    pub saved_by: String,
    pub saved_at: String,
    pub changes: Vec<String>,
}

/// What the process editor opens: the process, how many open records each stage holds,
/// the fields steps can watch, and the versions saved so far (newest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessEditor {
    pub draft: ProcessDraft,
    pub open_counts: Vec<(i64, i64)>,
    pub fields: Vec<FieldChoice>,
    pub versions: Vec<ProcessVersion>,
}

/// Open records at `stage_id`, from (stage id, count) pairs.
pub fn open_at(open_counts: &[(i64, i64)], stage_id: i64) -> i64 {
    open_counts
        .iter()
        .find(|(id, _)| *id == stage_id)
        .map_or(0, |(_, count)| *count)
}

/// A process to choose (the board's and the funnel's picker, Switch process).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ProcessChoice {
    pub id: i64,
    pub name: String,
    /// Qualify opens opportunities in the default process.
    pub is_default: bool,
}

/// A process on `/settings/processes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ProcessRow {
    pub id: i64,
    pub name: String,
    pub version: i64,
    pub is_default: bool,
    pub stages: i64,
    pub open: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_steps_follow_the_record_and_checkboxes_the_ticks() {
        let definitions = vec![
            StepDefinition {
                id: 1,
                name: "Existing contact?".into(),
                required: false,
                field_name: None,
                guidance: None,
            },
            StepDefinition {
                id: 2,
                name: "Existing account?".into(),
                required: false,
                field_name: None,
                guidance: None,
            },
            StepDefinition {
                id: 3,
                name: "Purchase timeframe".into(),
                required: false,
                field_name: Some("purchase_timeframe".into()),
                guidance: None,
            },
            StepDefinition {
                id: 4,
                name: "Estimated budget".into(),
                required: true,
                field_name: Some("budget_amount".into()),
                guidance: None,
            },
        ];
        let states = step_states(definitions, &[2], |field| field == "budget_amount");
        let done: Vec<_> = states
            .iter()
            .map(|s| (s.id, s.done, s.field_bound))
            .collect();
        assert_eq!(
            done,
            [
                (1, false, false),
                (2, true, false),
                (3, false, true),
                (4, true, true)
            ]
        );
    }
}
