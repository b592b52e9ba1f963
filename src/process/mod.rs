//! Business process flows: ordered stages with steps, shown as the stage bar on a lead or
//! an opportunity.

#[cfg(feature = "ssr")]
pub mod db;
mod stage_bar;

pub use stage_bar::StageBar;

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
}

/// What the stage bar shows: the stages, the active one and its steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageProgress {
    pub process_name: String,
    pub stages: Vec<StageInfo>,
    pub active_stage_id: i64,
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
            }
        })
        .collect()
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
            },
            StepDefinition {
                id: 2,
                name: "Existing account?".into(),
                required: false,
                field_name: None,
            },
            StepDefinition {
                id: 3,
                name: "Purchase timeframe".into(),
                required: false,
                field_name: Some("purchase_timeframe".into()),
            },
            StepDefinition {
                id: 4,
                name: "Estimated budget".into(),
                required: true,
                field_name: Some("budget_amount".into()),
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
