//! The process editor's rules, on plain values: what a saved process must be (names,
//! probabilities, fields, where the open records of an archived stage go) and what one
//! version changed from another, in words.

use super::{FieldChoice, ForecastCategory, ProcessDraft, StageDraft, StageEntity, StepDraft};
use crate::error::{AppError, FieldErrors};
use crate::types::Probability;

/// The longest stage or step name.
const MAX_NAME: usize = 60;
/// The longest guidance line.
const MAX_GUIDANCE: usize = 200;
/// The largest stalled threshold, in days.
const MAX_STALLED_DAYS: i64 = 3650;

/// A stage as it is saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidStage {
    pub id: Option<i64>,
    pub entity: StageEntity,
    pub name: String,
    pub probability: i64,
    pub forecast: ForecastCategory,
    pub stalled_days: Option<i64>,
    pub archived: bool,
    pub move_open_to: Option<i64>,
    pub steps: Vec<ValidStep>,
}

/// A step as it is saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidStep {
    pub id: Option<i64>,
    pub name: String,
    pub field: Option<String>,
    pub required: bool,
    pub guidance: Option<String>,
}

/// The form key of a stage's input: `stage-2-name`.
pub fn stage_key(stage: usize, what: &str) -> String {
    format!("stage-{stage}-{what}")
}

/// The form key of a step's input: `stage-2-step-0-name`.
pub fn step_key(stage: usize, step: usize, what: &str) -> String {
    format!("stage-{stage}-step-{step}-{what}")
}

fn name_of(input: &str, errors: &mut FieldErrors, key: String, what: &str) -> String {
    let name = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        errors.insert(key, format!("Give the {what} a name."));
    } else if name.chars().count() > MAX_NAME {
        errors.insert(key, format!("Keep the name to {MAX_NAME} characters."));
    }
    name
}

/// A new process's name, tidied: not blank, not too long.
pub fn process_name(input: &str) -> Result<String, AppError> {
    let mut errors = FieldErrors::new();
    let name = name_of(input, &mut errors, "name".into(), "process");
    if errors.is_empty() {
        Ok(name)
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Checks an edited process against the one stored (`current`, with `open_at` its open
/// records per stage id, `fields` what steps may watch). Structural nonsense (a stage
/// dropped or made up, a step moved between stages) is a bad request; everything a person
/// can get wrong is a field error keyed by `stage_key`/`step_key`, or `stages`.
pub fn validate_process(
    draft: &ProcessDraft,
    current: &ProcessDraft,
    open_at: impl Fn(i64) -> i64,
    fields: &[FieldChoice],
) -> Result<Vec<ValidStage>, AppError> {
    check_structure(draft, current)?;
    let mut errors = FieldErrors::new();
    let mut stages = Vec::with_capacity(draft.stages.len());
    let mut names: Vec<String> = Vec::new();
    for (i, stage) in draft.stages.iter().enumerate() {
        let name = name_of(&stage.name, &mut errors, stage_key(i, "name"), "stage");
        if !name.is_empty() && names.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
            errors.insert(
                stage_key(i, "name"),
                format!("Another stage is already called {name}."),
            );
        }
        names.push(name.clone());
        let probability = match Probability::parse(&stage.probability) {
            Ok(p) => i64::from(p),
            Err(message) => {
                errors.insert(stage_key(i, "probability"), message.into());
                0
            }
        };
        let stalled_days = match stage.stalled_days.trim() {
            "" => None,
            days => {
                match days.parse::<i64>() {
                    Ok(days) if (1..=MAX_STALLED_DAYS).contains(&days) => Some(days),
                    _ => {
                        errors.insert(
                        stage_key(i, "stalled"),
                        format!("Days must be a whole number from 1 to {MAX_STALLED_DAYS}, or blank."),
                    );
                        None
                    }
                }
            }
        };
        if stage.archived && stage.entity == StageEntity::Lead {
            errors.insert(
                stage_key(i, "archived"),
                "The lead's stage cannot be archived: every lead starts there.".into(),
            );
        }
        let open = stage.id.map_or(0, &open_at);
        let move_open_to = if stage.archived && open > 0 {
            let target = stage.move_open_to.and_then(|target| {
                draft.stages.iter().find(|other| {
                    other.id == Some(target)
                        && Some(target) != stage.id
                        && !other.archived
                        && other.entity == StageEntity::Opportunity
                })
            });
            if target.is_none() {
                let what = if open == 1 {
                    "opportunity goes"
                } else {
                    "opportunities go"
                };
                errors.insert(
                    stage_key(i, "move"),
                    format!("Choose where its {open} open {what}."),
                );
            }
            stage.move_open_to
        } else {
            None
        };
        let steps = validate_steps(i, stage, fields, &mut errors);
        stages.push(ValidStage {
            id: stage.id,
            entity: stage.entity,
            name,
            probability,
            forecast: stage.forecast,
            stalled_days,
            archived: stage.archived,
            move_open_to,
            steps,
        });
    }
    if !stages
        .iter()
        .any(|stage| stage.entity == StageEntity::Opportunity && !stage.archived)
    {
        errors.insert(
            "stages".into(),
            "A process needs at least one open stage for opportunities.".into(),
        );
    }
    if errors.is_empty() {
        Ok(stages)
    } else {
        Err(AppError::Validation(errors))
    }
}

fn validate_steps(
    i: usize,
    stage: &StageDraft,
    fields: &[FieldChoice],
    errors: &mut FieldErrors,
) -> Vec<ValidStep> {
    let mut names: Vec<String> = Vec::new();
    stage
        .steps
        .iter()
        .enumerate()
        .map(|(j, step)| {
            let name = name_of(&step.name, errors, step_key(i, j, "name"), "step");
            if !name.is_empty() && names.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
                errors.insert(
                    step_key(i, j, "name"),
                    format!("{} already has a step called {name}.", stage.name.trim()),
                );
            }
            names.push(name.clone());
            let field = step
                .field
                .as_deref()
                .map(str::trim)
                .filter(|f| !f.is_empty());
            if let Some(field) = field
                && !fields
                    .iter()
                    .any(|choice| choice.entity == stage.entity && choice.name == field)
            {
                errors.insert(
                    step_key(i, j, "field"),
                    format!(
                        "Choose a field of the {}: {field} is not one.",
                        stage.entity.label().to_lowercase()
                    ),
                );
            }
            let guidance = step
                .guidance
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            if guidance.chars().count() > MAX_GUIDANCE {
                errors.insert(
                    step_key(i, j, "guidance"),
                    format!("Keep the guidance to one line of {MAX_GUIDANCE} characters."),
                );
            }
            ValidStep {
                id: step.id,
                name,
                field: field.map(str::to_string),
                required: step.required,
                guidance: (!guidance.is_empty()).then_some(guidance),
            }
        })
        .collect()
}

/// What no editor sends: every stored stage once (stages are archived, never dropped), no
/// made-up ids, the lead's stages first and unchanged in kind, steps only in their own
/// stage.
fn check_structure(draft: &ProcessDraft, current: &ProcessDraft) -> Result<(), AppError> {
    let bad = |message: &str| Err(AppError::BadRequest(message.into()));
    for stored in &current.stages {
        let count = draft.stages.iter().filter(|s| s.id == stored.id).count();
        if count != 1 {
            return bad(
                "Every stage of the process must be sent once: archive a stage instead of leaving it out.",
            );
        }
    }
    for stage in &draft.stages {
        let stored = match stage.id {
            Some(id) => match current.stages.iter().find(|s| s.id == Some(id)) {
                Some(stored) => Some(stored),
                None => return bad("A stage of another process was sent."),
            },
            None => None,
        };
        match stored {
            Some(stored) if stored.entity != stage.entity => {
                return bad("A stage cannot change from a lead's to an opportunity's.");
            }
            None if stage.entity == StageEntity::Lead => {
                return bad("New stages are opportunity stages.");
            }
            _ => {}
        }
        for step in &stage.steps {
            let Some(step_id) = step.id else { continue };
            let own =
                stored.is_some_and(|stored| stored.steps.iter().any(|s| s.id == Some(step_id)));
            let once = stage.steps.iter().filter(|s| s.id == Some(step_id)).count() == 1;
            if !own || !once {
                return bad("A step was sent in a stage it does not belong to.");
            }
        }
    }
    let first_opportunity = draft
        .stages
        .iter()
        .position(|s| s.entity == StageEntity::Opportunity)
        .unwrap_or(draft.stages.len());
    if draft.stages[first_opportunity..]
        .iter()
        .any(|s| s.entity == StageEntity::Lead)
    {
        return bad("The lead's stage comes before the opportunity's stages.");
    }
    Ok(())
}

/// What changed from `before` to `after`, one line each ("Added stage Negotiate", "Step
/// Present proposal of Propose is now required"): a version's summary, and what a stale
/// editor is told someone else changed.
pub fn describe_changes(before: &ProcessDraft, after: &ProcessDraft) -> Vec<String> {
    let mut changes = Vec::new();
    let stored_order: Vec<Option<i64>> = before.stages.iter().map(|s| s.id).collect();
    let kept_order: Vec<Option<i64>> = after
        .stages
        .iter()
        .map(|s| s.id)
        .filter(|id| id.is_some() && stored_order.contains(id))
        .collect();
    let stored_kept: Vec<Option<i64>> = stored_order
        .iter()
        .copied()
        .filter(|id| kept_order.contains(id))
        .collect();
    for stage in &after.stages {
        let Some(old) = before
            .stages
            .iter()
            .find(|s| s.id.is_some() && s.id == stage.id)
        else {
            changes.push(format!("Added stage {}", stage.name));
            changes.extend(
                stage
                    .steps
                    .iter()
                    .map(|step| format!("Added step {} to {}", step_label(step), stage.name)),
            );
            continue;
        };
        if old.name != stage.name {
            changes.push(format!("Renamed stage {} to {}", old.name, stage.name));
        }
        match (old.archived, stage.archived) {
            (false, true) => changes.push(format!("Archived stage {}", stage.name)),
            (true, false) => changes.push(format!("Restored stage {}", stage.name)),
            _ => {}
        }
        if old.probability.trim() != stage.probability.trim() {
            changes.push(format!(
                "{}: probability {}% → {}%",
                stage.name,
                old.probability.trim(),
                stage.probability.trim()
            ));
        }
        if old.forecast != stage.forecast {
            changes.push(format!(
                "{}: forecast {} → {}",
                stage.name,
                old.forecast.label(),
                stage.forecast.label()
            ));
        }
        if old.stalled_days.trim() != stage.stalled_days.trim() {
            let days = |d: &str| match d.trim() {
                "" => "never".to_string(),
                d => format!("after {d} days"),
            };
            changes.push(format!(
                "{}: stalled {} → {}",
                stage.name,
                days(&old.stalled_days),
                days(&stage.stalled_days)
            ));
        }
        step_changes(old, stage, &mut changes);
    }
    if kept_order != stored_kept {
        let names: Vec<&str> = after
            .stages
            .iter()
            .filter(|s| !s.archived)
            .map(|s| s.name.as_str())
            .collect();
        changes.push(format!("Reordered stages: {}", names.join(" → ")));
    }
    changes
}

fn step_label(step: &StepDraft) -> String {
    if step.required {
        format!("{} (required)", step.name)
    } else {
        step.name.clone()
    }
}

fn step_changes(old: &StageDraft, stage: &StageDraft, changes: &mut Vec<String>) {
    for step in &stage.steps {
        let Some(was) = old.steps.iter().find(|s| s.id.is_some() && s.id == step.id) else {
            changes.push(format!("Added step {} to {}", step_label(step), stage.name));
            continue;
        };
        if was.name != step.name {
            changes.push(format!(
                "Renamed step {} of {} to {}",
                was.name, stage.name, step.name
            ));
        }
        if was.required != step.required {
            changes.push(format!(
                "Step {} of {} is now {}",
                step.name,
                stage.name,
                if step.required {
                    "required"
                } else {
                    "optional"
                }
            ));
        }
        if was.field != step.field {
            changes.push(format!(
                "Step {} of {} now {}",
                step.name,
                stage.name,
                match &step.field {
                    Some(field) => format!("watches the field {field}"),
                    None => "is a checkbox".into(),
                }
            ));
        }
        if was.guidance.trim() != step.guidance.trim() {
            changes.push(format!(
                "New guidance for step {} of {}",
                step.name, stage.name
            ));
        }
    }
    for was in &old.steps {
        if !stage.steps.iter().any(|s| s.id.is_some() && s.id == was.id) {
            changes.push(format!("Removed step {} from {}", was.name, stage.name));
        }
    }
    let old_order: Vec<Option<i64>> = old
        .steps
        .iter()
        .map(|s| s.id)
        .filter(|id| stage.steps.iter().any(|s| s.id == *id))
        .collect();
    let new_order: Vec<Option<i64>> = stage
        .steps
        .iter()
        .map(|s| s.id)
        .filter(|id| id.is_some() && old_order.contains(id))
        .collect();
    if old_order != new_order {
        changes.push(format!("Reordered the steps of {}", stage.name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(id: i64, name: &str, required: bool) -> StepDraft {
        StepDraft {
            id: Some(id),
            name: name.into(),
            required,
            ..StepDraft::default()
        }
    }

    fn stage(
        id: i64,
        entity: StageEntity,
        name: &str,
        probability: &str,
        steps: Vec<StepDraft>,
    ) -> StageDraft {
        StageDraft {
            id: Some(id),
            entity,
            name: name.into(),
            probability: probability.into(),
            forecast: ForecastCategory::Pipeline,
            stalled_days: String::new(),
            archived: false,
            move_open_to: None,
            steps,
        }
    }

    /// The default process, cut short: Qualify (lead), Develop, Propose, Close.
    fn stored() -> ProcessDraft {
        ProcessDraft {
            id: 1,
            name: "Lead to Opportunity Sales Process".into(),
            version: 3,
            stages: vec![
                stage(
                    1,
                    StageEntity::Lead,
                    "Qualify",
                    "10",
                    vec![step(1, "Existing contact?", false)],
                ),
                stage(
                    2,
                    StageEntity::Opportunity,
                    "Develop",
                    "25",
                    vec![step(8, "Customer need", true)],
                ),
                stage(
                    3,
                    StageEntity::Opportunity,
                    "Propose",
                    "50",
                    vec![
                        step(12, "Develop proposal", true),
                        step(14, "Present proposal", true),
                    ],
                ),
                stage(4, StageEntity::Opportunity, "Close", "80", vec![]),
            ],
        }
    }

    fn fields() -> Vec<FieldChoice> {
        vec![FieldChoice {
            entity: StageEntity::Opportunity,
            name: "customer_need".into(),
            label: "Customer need".into(),
        }]
    }

    fn field_errors(result: Result<Vec<ValidStage>, AppError>) -> Vec<String> {
        match result {
            Err(AppError::Validation(errors)) => errors.into_keys().collect(),
            other => panic!("expected field errors, got {other:?}"),
        }
    }

    #[test]
    fn the_stored_process_is_valid_as_it_is() {
        let stages = validate_process(&stored(), &stored(), |_| 0, &fields()).unwrap();
        assert_eq!(stages.len(), 4);
        assert_eq!(stages[2].probability, 50);
        assert_eq!(describe_changes(&stored(), &stored()), Vec::<String>::new());
    }

    #[test]
    fn names_are_unique_within_their_parent_and_never_blank() {
        let mut draft = stored();
        draft.stages[3].name = " propose ".into();
        draft.stages[2].steps[1].name = "develop  proposal".into();
        draft.stages[1].steps[0].name = "   ".into();
        assert_eq!(
            field_errors(validate_process(&draft, &stored(), |_| 0, &fields())),
            ["stage-1-step-0-name", "stage-2-step-1-name", "stage-3-name"]
        );
        // The same step name in two stages is fine.
        let mut draft = stored();
        draft.stages[3].steps.push(StepDraft {
            name: "Develop proposal".into(),
            ..StepDraft::default()
        });
        assert!(validate_process(&draft, &stored(), |_| 0, &fields()).is_ok());
    }

    #[test]
    fn probabilities_days_and_fields_are_checked() {
        let mut draft = stored();
        draft.stages[1].probability = "101".into();
        draft.stages[2].probability = "fifty".into();
        draft.stages[3].stalled_days = "0".into();
        draft.stages[2].steps.push(StepDraft {
            name: "Budget".into(),
            field: Some("budget_colour".into()),
            ..StepDraft::default()
        });
        // A lead field is not an opportunity field.
        draft.stages[1].steps[0].field = Some("customer_need".into());
        draft.stages[3].steps.push(StepDraft {
            name: "Need".into(),
            field: Some("customer_need".into()),
            ..StepDraft::default()
        });
        assert_eq!(
            field_errors(validate_process(&draft, &stored(), |_| 0, &fields())),
            [
                "stage-1-probability",
                "stage-2-probability",
                "stage-2-step-2-field",
                "stage-3-stalled"
            ]
        );
    }

    #[test]
    fn a_process_keeps_one_open_opportunity_stage_and_its_lead_stage() {
        let mut draft = stored();
        for stage in &mut draft.stages[1..] {
            stage.archived = true;
        }
        draft.stages[0].archived = true;
        assert_eq!(
            field_errors(validate_process(&draft, &stored(), |_| 0, &fields())),
            ["stage-0-archived", "stages"]
        );
    }

    #[test]
    fn archiving_a_stage_with_open_records_needs_another_open_stage_for_them() {
        let open = |id: i64| if id == 3 { 7 } else { 0 };
        let mut draft = stored();
        draft.stages[2].archived = true;
        let errors = validate_process(&draft, &stored(), open, &fields());
        assert_eq!(field_errors(errors), ["stage-2-move"]);
        // Not into itself, nor into another archived stage.
        draft.stages[2].move_open_to = Some(3);
        assert!(validate_process(&draft, &stored(), open, &fields()).is_err());
        draft.stages[3].archived = true;
        draft.stages[2].move_open_to = Some(4);
        assert!(validate_process(&draft, &stored(), open, &fields()).is_err());
        draft.stages[3].archived = false;
        let stages = validate_process(&draft, &stored(), open, &fields()).unwrap();
        assert_eq!(stages[2].move_open_to, Some(4));
        // An empty stage needs no target.
        let mut draft = stored();
        draft.stages[3].archived = true;
        assert_eq!(
            validate_process(&draft, &stored(), open, &fields()).unwrap()[3].move_open_to,
            None
        );
    }

    #[test]
    fn what_no_editor_sends_is_a_bad_request() {
        let bad = |draft: &ProcessDraft| {
            matches!(
                validate_process(draft, &stored(), |_| 0, &fields()),
                Err(AppError::BadRequest(_))
            )
        };
        let mut dropped = stored();
        dropped.stages.remove(3);
        assert!(bad(&dropped));
        let mut foreign = stored();
        foreign.stages[3].id = Some(99);
        assert!(bad(&foreign));
        let mut moved_step = stored();
        let step = moved_step.stages[2].steps.remove(0);
        moved_step.stages[3].steps.push(step);
        assert!(bad(&moved_step));
        let mut lead_last = stored();
        let qualify = lead_last.stages.remove(0);
        lead_last.stages.push(qualify);
        assert!(bad(&lead_last));
    }

    #[test]
    fn a_version_is_described_change_by_change() {
        let mut after = stored();
        after.stages[2].steps.push(StepDraft {
            name: "Legal review".into(),
            required: true,
            guidance: "Send the contract to legal first.".into(),
            ..StepDraft::default()
        });
        after.stages[2].steps[0].required = false;
        after.stages[3].name = "Closing".into();
        after.stages[1].archived = true;
        after.stages[1].probability = "30".into();
        after.stages[2].steps.remove(1);
        let negotiate = StageDraft {
            id: None,
            ..stage(0, StageEntity::Opportunity, "Negotiate", "60", vec![])
        };
        after.stages.insert(3, negotiate);
        after.stages.swap(2, 4);
        assert_eq!(
            describe_changes(&stored(), &after),
            [
                "Archived stage Develop",
                "Develop: probability 25% → 30%",
                "Renamed stage Close to Closing",
                "Added stage Negotiate",
                "Step Develop proposal of Propose is now optional",
                "Added step Legal review (required) to Propose",
                "Removed step Present proposal from Propose",
                "Reordered stages: Qualify → Closing → Negotiate → Propose",
            ]
        );
    }
}
