//! Activity rules on plain values: what a valid activity is, how system events read, and
//! how activities and events merge into one timeline.

use super::{ActivityInput, ActivityItem, ActivityKind, CallDirection, SystemEvent, TimelineEntry};
use crate::error::AppError;
use chrono::{NaiveDate, NaiveDateTime};

/// The furthest any time zone is from UTC (UTC+14 and UTC-12), in minutes.
const MAX_UTC_OFFSET_MINUTES: i64 = 14 * 60;

/// Longest subject kept; a timeline line, not a document.
pub const MAX_SUBJECT: usize = 200;

/// An activity that passed validation: only the fields its kind uses are set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidActivity {
    pub kind: ActivityKind,
    pub subject: String,
    pub body: Option<String>,
    pub direction: Option<CallDirection>,
    pub outcome: Option<String>,
    pub due_date: Option<String>,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub location: Option<String>,
}

fn text(value: &str) -> Option<String> {
    Some(value.trim().to_string()).filter(|v| !v.is_empty())
}

/// A `datetime-local` value ("2026-11-23T09:30", seconds optional), minutes precision.
fn date_time(value: &str) -> Option<NaiveDateTime> {
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(value.trim(), format).ok())
}

/// Checks an activity form; every problem is reported against its field.
pub fn validate_activity(input: &ActivityInput) -> Result<ValidActivity, AppError> {
    let mut errors = crate::types::text::check_form_text(input);
    let kind = ActivityKind::from_code(input.kind.trim());
    if kind.is_none() {
        errors.insert(
            "kind".into(),
            "Choose note, phone call, task or appointment.".into(),
        );
    }
    let subject = text(&input.subject);
    match &subject {
        None => {
            errors.insert("subject".into(), "Enter a subject.".into());
        }
        Some(subject) if subject.chars().count() > MAX_SUBJECT => {
            errors.insert(
                "subject".into(),
                format!(
                    "Keep the subject to {MAX_SUBJECT} characters; put the rest in the details."
                ),
            );
        }
        Some(_) => {}
    }
    let mut valid = ValidActivity {
        kind: kind.unwrap_or(ActivityKind::Note),
        subject: subject.unwrap_or_default(),
        body: text(&input.body),
        direction: None,
        outcome: None,
        due_date: None,
        starts_at: None,
        ends_at: None,
        location: None,
    };
    match kind {
        Some(ActivityKind::PhoneCall) => {
            valid.direction = CallDirection::from_code(input.direction.trim());
            if valid.direction.is_none() {
                errors.insert("direction".into(), "Choose inbound or outbound.".into());
            }
            valid.outcome = text(&input.outcome);
        }
        Some(ActivityKind::Task) => {
            if let Some(due) = text(&input.due_date) {
                match NaiveDate::parse_from_str(&due, "%Y-%m-%d") {
                    Ok(date) => valid.due_date = Some(date.to_string()),
                    Err(_) => {
                        errors.insert("due_date".into(), "Enter the due date as a date.".into());
                    }
                }
            }
        }
        Some(ActivityKind::Appointment) => {
            // Typed in the user's local time, stored in UTC.
            let offset = match input.utc_offset_minutes.trim() {
                "" => Some(0),
                minutes => minutes
                    .parse::<i64>()
                    .ok()
                    .filter(|m| m.abs() <= MAX_UTC_OFFSET_MINUTES),
            };
            if offset.is_none() {
                errors.insert(
                    "starts_at".into(),
                    "Your device's time zone could not be read; reload the page.".into(),
                );
            }
            let to_utc = |at: NaiveDateTime| at + chrono::Duration::minutes(offset.unwrap_or(0));
            let starts = date_time(&input.starts_at).map(to_utc);
            let ends = date_time(&input.ends_at).map(to_utc);
            if starts.is_none() {
                errors.insert(
                    "starts_at".into(),
                    "Enter when the appointment starts.".into(),
                );
            }
            if ends.is_none() {
                errors.insert("ends_at".into(), "Enter when the appointment ends.".into());
            }
            if let (Some(starts), Some(ends)) = (starts, ends) {
                if ends < starts {
                    errors.insert(
                        "ends_at".into(),
                        "The end must not be before the start.".into(),
                    );
                }
                let format = |at: NaiveDateTime| at.format("%Y-%m-%dT%H:%M").to_string();
                valid.starts_at = Some(format(starts));
                valid.ends_at = Some(format(ends));
            }
            valid.location = text(&input.location);
        }
        Some(ActivityKind::Note) | None => {}
    }
    if errors.is_empty() {
        Ok(valid)
    } else {
        Err(AppError::Validation(errors))
    }
}

/// What a system event says on the timeline ("Closed as won", "Stage changed: …").
pub fn event_text(event: &SystemEvent) -> String {
    let old = event.old_value.as_deref().unwrap_or("");
    let new = event.new_value.as_deref().unwrap_or("");
    match event.field.as_str() {
        "created" => new.to_string(),
        "stage" => format!("Stage changed: {old} → {new}"),
        "status" => match (old, new) {
            (_, "Won") => "Closed as won".into(),
            (_, "Lost") => "Closed as lost".into(),
            ("Won" | "Lost", "Open") => "Reopened".into(),
            (_, "Open") => "Reactivated".into(),
            (_, other) => other.to_string(),
        },
        other => format!("{other}: {old} → {new}"),
    }
}

/// The history fields that are timeline events.
pub const EVENT_FIELDS: [&str; 3] = ["created", "stage", "status"];

/// Activities and events, each newest first, merged into the first `limit` entries of the
/// timeline; also says whether anything is left beyond them.
pub fn merge_timeline(
    activities: Vec<ActivityItem>,
    events: Vec<SystemEvent>,
    limit: usize,
) -> (Vec<TimelineEntry>, bool) {
    let mut entries: Vec<TimelineEntry> = activities
        .into_iter()
        .map(TimelineEntry::Activity)
        .chain(events.into_iter().map(TimelineEntry::Event))
        .collect();
    // Stable sort: at equal times activities (logged by a person) stay ahead of events.
    entries.sort_by(|a, b| b.at().cmp(a.at()));
    let more = entries.len() > limit;
    entries.truncate(limit);
    (entries, more)
}

/// Whether a task due on `due` is overdue on `today` (both ISO dates).
pub fn is_overdue(due: Option<&str>, today: &str) -> bool {
    due.is_some_and(|due| due < today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::RecordType;

    #[test]
    fn each_kind_of_record_links_to_its_section() {
        // The router's record pages (app.rs): /leads/:id, /opportunities/:id, ...
        assert_eq!(RecordType::Lead.url(3), "/leads/3");
        assert_eq!(RecordType::Opportunity.url(141), "/opportunities/141");
        assert_eq!(RecordType::Account.url(7), "/accounts/7");
        assert_eq!(RecordType::Contact.url(12), "/contacts/12");
    }

    fn input(kind: &str, subject: &str) -> ActivityInput {
        ActivityInput {
            kind: kind.into(),
            subject: subject.into(),
            ..ActivityInput::default()
        }
    }

    fn field_error(result: Result<ValidActivity, AppError>, field: &str) -> Option<String> {
        result.err().and_then(|e| e.field_message(field))
    }

    #[test]
    fn a_note_needs_a_subject_of_reasonable_length() {
        assert!(validate_activity(&input("note", "Met at the booth")).is_ok());
        assert_eq!(
            field_error(validate_activity(&input("note", "   ")), "subject").as_deref(),
            Some("Enter a subject.")
        );
        let long = "x".repeat(MAX_SUBJECT + 1);
        assert!(field_error(validate_activity(&input("note", &long)), "subject").is_some());
        assert!(field_error(validate_activity(&input("email", "Hi")), "kind").is_some());
    }

    #[test]
    fn a_call_needs_a_direction_and_keeps_its_outcome() {
        let mut call = input("phone_call", "Called back");
        assert!(field_error(validate_activity(&call), "direction").is_some());
        call.direction = "outbound".into();
        call.outcome = " Left a message ".into();
        let valid = validate_activity(&call).unwrap();
        assert_eq!(valid.direction, Some(CallDirection::Outbound));
        assert_eq!(valid.outcome.as_deref(), Some("Left a message"));
    }

    #[test]
    fn a_task_due_date_must_be_a_date() {
        let mut task = input("task", "Send the quote");
        assert_eq!(validate_activity(&task).unwrap().due_date, None);
        task.due_date = "tomorrow".into();
        assert!(field_error(validate_activity(&task), "due_date").is_some());
        task.due_date = "2026-12-01".into();
        assert_eq!(
            validate_activity(&task).unwrap().due_date.as_deref(),
            Some("2026-12-01")
        );
    }

    #[test]
    fn an_appointment_needs_a_start_and_an_end_not_before_it() {
        let mut meeting = input("appointment", "Demo");
        let result = validate_activity(&meeting);
        assert!(field_error(result.clone(), "starts_at").is_some());
        assert!(field_error(result, "ends_at").is_some());
        meeting.starts_at = "2026-11-23T10:00".into();
        meeting.ends_at = "2026-11-23T09:00".into();
        assert_eq!(
            field_error(validate_activity(&meeting), "ends_at").as_deref(),
            Some("The end must not be before the start.")
        );
        meeting.ends_at = "2026-11-23T11:00:00".into();
        meeting.location = "Oslo office".into();
        let valid = validate_activity(&meeting).unwrap();
        assert_eq!(valid.ends_at.as_deref(), Some("2026-11-23T11:00"));
        assert_eq!(valid.location.as_deref(), Some("Oslo office"));
    }

    #[test]
    fn appointments_typed_in_local_time_are_stored_in_utc() {
        let mut meeting = input("appointment", "Demo");
        meeting.starts_at = "2026-11-23T23:30".into();
        meeting.ends_at = "2026-11-24T00:15".into();
        // New York in winter: getTimezoneOffset() is +300 (UTC is five hours ahead).
        meeting.utc_offset_minutes = "300".into();
        let valid = validate_activity(&meeting).unwrap();
        assert_eq!(valid.starts_at.as_deref(), Some("2026-11-24T04:30"));
        assert_eq!(valid.ends_at.as_deref(), Some("2026-11-24T05:15"));
        // Tokyo: -540, the day before in UTC.
        meeting.utc_offset_minutes = "-540".into();
        let valid = validate_activity(&meeting).unwrap();
        assert_eq!(valid.starts_at.as_deref(), Some("2026-11-23T14:30"));
        // Without JavaScript the times are taken as UTC.
        meeting.utc_offset_minutes = String::new();
        let valid = validate_activity(&meeting).unwrap();
        assert_eq!(valid.starts_at.as_deref(), Some("2026-11-23T23:30"));
        // Nothing is that far from UTC.
        for hostile in ["100000", "abc", "-1441"] {
            meeting.utc_offset_minutes = hostile.into();
            assert!(
                field_error(validate_activity(&meeting), "starts_at").is_some(),
                "{hostile}"
            );
        }
    }

    #[test]
    fn fields_of_other_kinds_are_dropped() {
        let mut note = input("note", "Lunch");
        note.direction = "inbound".into();
        note.due_date = "2026-01-01".into();
        let valid = validate_activity(&note).unwrap();
        assert_eq!((valid.direction, valid.due_date), (None, None));
    }

    fn event(field: &str, old: Option<&str>, new: &str, at: &str) -> SystemEvent {
        SystemEvent {
            id: 1,
            field: field.into(),
            old_value: old.map(Into::into),
            new_value: Some(new.into()),
            changed_by: "Ann".into(),
            changed_at: at.into(),
        }
    }

    #[test]
    fn events_read_as_what_happened() {
        let text = |field, old, new| event_text(&event(field, old, new, "t"));
        assert_eq!(text("created", None, "Lead created"), "Lead created");
        assert_eq!(
            text("stage", Some("Develop"), "Propose"),
            "Stage changed: Develop → Propose"
        );
        assert_eq!(text("status", Some("Open"), "Won"), "Closed as won");
        assert_eq!(text("status", Some("Open"), "Lost"), "Closed as lost");
        assert_eq!(text("status", Some("Lost"), "Open"), "Reopened");
        assert_eq!(text("status", Some("Disqualified"), "Open"), "Reactivated");
        assert_eq!(text("status", Some("Open"), "Qualified"), "Qualified");
    }

    fn activity(id: i64, at: &str) -> ActivityItem {
        ActivityItem {
            id,
            kind: ActivityKind::Note,
            subject: format!("Note {id}"),
            body: None,
            direction: None,
            outcome: None,
            due_date: None,
            done: false,
            starts_at: None,
            ends_at: None,
            location: None,
            owner_id: 1,
            owner_name: "Ann".into(),
            created_at: at.into(),
            version: 1,
            regarding_type: RecordType::Lead,
            regarding_id: 1,
            regarding_name: "Lead".into(),
        }
    }

    #[test]
    fn the_timeline_is_newest_first_and_knows_when_more_is_left() {
        let activities = vec![activity(2, "2026-03-01"), activity(1, "2026-01-01")];
        let events = vec![
            event("stage", Some("Develop"), "Propose", "2026-02-01"),
            event("created", None, "Created", "2025-12-01"),
        ];
        let (entries, more) = merge_timeline(activities.clone(), events.clone(), 3);
        let times: Vec<&str> = entries.iter().map(|e| e.at()).collect();
        assert_eq!(times, ["2026-03-01", "2026-02-01", "2026-01-01"]);
        assert!(more);
        let (entries, more) = merge_timeline(activities, events, 4);
        assert_eq!(entries.len(), 4);
        assert!(!more);
    }

    #[test]
    fn only_past_due_dates_are_overdue() {
        assert!(is_overdue(Some("2026-11-22"), "2026-11-23"));
        assert!(!is_overdue(Some("2026-11-23"), "2026-11-23"));
        assert!(!is_overdue(None, "2026-11-23"));
    }
}
