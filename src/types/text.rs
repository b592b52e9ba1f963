//! What any typed text must be: of a reasonable length and free of control characters. One
//! check over a whole form's input, so no field of any form can skip it.

use crate::error::FieldErrors;

/// The most characters a one-line field keeps (a name, an email, a topic, a phone).
pub const MAX_LINE: usize = 500;
/// The most characters a multi-line field keeps (descriptions, notes, needs).
pub const MAX_TEXT: usize = 20_000;

/// The fields, in any form, that hold several lines.
const MULTILINE_FIELDS: &[&str] = &[
    "description",
    "body",
    "current_situation",
    "customer_need",
    "proposed_solution",
    "street",
];

/// The problem with one field's text, if any.
pub fn text_problem(field: &str, value: &str) -> Option<String> {
    let multiline = MULTILINE_FIELDS.contains(&field);
    let max = if multiline { MAX_TEXT } else { MAX_LINE };
    if value.chars().count() > max {
        return Some(format!("Keep this to {max} characters or fewer."));
    }
    let allowed = |c: char| multiline && matches!(c, '\n' | '\r' | '\t');
    value
        .chars()
        .any(|c| c.is_control() && !allowed(c))
        .then(|| {
            if multiline {
                "Remove the invisible control characters from this text.".to_string()
            } else {
                "Remove line breaks and invisible control characters from this field.".to_string()
            }
        })
}

/// A field error for every text field of `input` (a form's input struct, its fields named
/// as the form names them) that is too long or holds control characters.
pub fn check_form_text(input: &impl serde::Serialize) -> FieldErrors {
    let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(input) else {
        return FieldErrors::new();
    };
    fields
        .iter()
        .filter_map(|(field, value)| {
            let problem = text_problem(field, value.as_str()?)?;
            Some((field.clone(), problem))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct Form {
        topic: String,
        description: String,
        count: i64,
    }

    #[test]
    fn long_text_and_control_characters_are_field_errors() {
        let ok = Form {
            topic: "Booth visit – Größe 日本".into(),
            description: "Line one\nLine two\twith a tab".into(),
            count: 3,
        };
        assert!(check_form_text(&ok).is_empty());
        let bad = Form {
            topic: "x".repeat(MAX_LINE + 1),
            description: "a\u{0}b".into(),
            count: 3,
        };
        let errors = check_form_text(&bad);
        assert_eq!(errors.keys().collect::<Vec<_>>(), ["description", "topic"]);
        assert!(text_problem("topic", "two\nlines").is_some());
        assert!(text_problem("topic", "escape \u{1b}[31m").is_some());
        assert!(text_problem("description", &"y".repeat(1_000_000)).is_some());
        assert!(text_problem("description", &"y".repeat(MAX_TEXT)).is_none());
    }
}
