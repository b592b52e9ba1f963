//! Pure web-form rules: checking a form's settings, reading a submission (only the form's
//! own fields), spam signals, origins, round-robin, the follow-up's due day and the embed
//! snippets. No database, no HTTP.

use super::{Embed, FormField, OwnerChoice, OwnerRule, WebFormConfig, WebFormInput, WebOrigin};
use crate::error::{AppError, FieldErrors};
use crate::lead::rules::{LEAD_FIELD_LABELS, LeadFields, LeadInput, validate_lead};
use crate::lead::{BudgetStatus, LeadSource, Need, PurchaseProcess, PurchaseTimeframe, Rating};
use chrono::{Datelike, NaiveDate, Weekday};
use std::collections::BTreeMap;

/// The lead fields a web form may ask for: every field of the lead form but the source,
/// which the form stamps.
pub const FORM_FIELD_CHOICES: [&str; 22] = [
    "first_name",
    "last_name",
    "email",
    "business_phone",
    "mobile_phone",
    "company_name",
    "job_title",
    "website",
    "topic",
    "description",
    "street",
    "city",
    "state_province",
    "postal_code",
    "country",
    "rating",
    "budget_amount",
    "budget_status",
    "purchase_timeframe",
    "purchase_process",
    "decision_maker_identified",
    "need",
];

/// The hidden field a person leaves empty and a form-filling bot fills.
pub const HONEYPOT_FIELD: &str = "hp_url";
/// The longest a rendered form stays valid.
pub const MAX_FORM_AGE_SECS: i64 = 24 * 3600;
/// The longest name, label, campaign or consent text.
const NAME_MAX: usize = 80;
const TEXT_MAX: usize = 1000;
/// The longest page address, referrer or UTM value kept.
pub const ORIGIN_VALUE_MAX: usize = 2000;

/// How the hosted page asks for a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputKind {
    Text,
    Email,
    Tel,
    Url,
    Number,
    TextArea,
    /// One of these (code, label) values.
    Choice(Vec<(&'static str, &'static str)>),
}

fn choices<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(&'static str, &'static str)> {
    all.iter()
        .map(|value| (code(*value), label(*value)))
        .collect()
}

/// The input a field gets on the hosted page.
pub fn input_kind(field: &str) -> InputKind {
    match field {
        "email" => InputKind::Email,
        "business_phone" | "mobile_phone" => InputKind::Tel,
        "website" => InputKind::Url,
        "budget_amount" => InputKind::Number,
        "description" => InputKind::TextArea,
        "rating" => InputKind::Choice(choices(Rating::ALL, Rating::code, Rating::label)),
        "budget_status" => InputKind::Choice(choices(
            BudgetStatus::ALL,
            BudgetStatus::code,
            BudgetStatus::label,
        )),
        "purchase_timeframe" => InputKind::Choice(choices(
            PurchaseTimeframe::ALL,
            PurchaseTimeframe::code,
            PurchaseTimeframe::label,
        )),
        "purchase_process" => InputKind::Choice(choices(
            PurchaseProcess::ALL,
            PurchaseProcess::code,
            PurchaseProcess::label,
        )),
        "need" => InputKind::Choice(choices(Need::ALL, Need::code, Need::label)),
        "decision_maker_identified" => InputKind::Choice(vec![("yes", "Yes"), ("no", "No")]),
        _ => InputKind::Text,
    }
}

/// The lead form's label of a field.
pub fn default_label(field: &str) -> &'static str {
    LEAD_FIELD_LABELS
        .iter()
        .find(|(name, _)| *name == field)
        .map_or("", |(_, label)| label)
}

fn clean(text: &str) -> Option<String> {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!text.is_empty()).then_some(text)
}

fn too_long(errors: &mut FieldErrors, field: &str, text: &Option<String>, max: usize) {
    if text.as_ref().is_some_and(|t| t.chars().count() > max) {
        errors.insert(field.into(), format!("Keep it under {max} characters."));
    }
}

/// An origin as browsers send it (`https://www.example.com`, a port if not the default),
/// lowercased; None if the text is not one.
pub fn parse_origin(text: &str) -> Option<String> {
    let text = text.trim().trim_end_matches('/').to_ascii_lowercase();
    let (scheme, host) = text.split_once("://")?;
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
        && !host.starts_with([':', '.']);
    ((scheme == "http" || scheme == "https") && host_ok).then_some(text)
}

/// Checks every setting at once, so the editor shows all problems together.
pub fn validate_form(input: &WebFormInput) -> Result<WebFormConfig, AppError> {
    let mut errors = FieldErrors::new();
    let name = clean(&input.name).unwrap_or_default();
    if name.is_empty() {
        errors.insert("name".into(), "Enter a name for the form.".into());
    } else if name.chars().count() > NAME_MAX {
        errors.insert(
            "name".into(),
            format!("Keep it under {NAME_MAX} characters."),
        );
    }
    let mut fields: Vec<FormField> = Vec::new();
    for field in &input.fields {
        if !FORM_FIELD_CHOICES.contains(&field.field.as_str()) {
            errors.insert(
                "fields".into(),
                format!("{:?} is not a lead field a form can ask for.", field.field),
            );
            continue;
        }
        if fields.iter().any(|f| f.field == field.field) {
            errors.insert(
                "fields".into(),
                format!("{} is asked twice.", default_label(&field.field)),
            );
            continue;
        }
        let label = clean(&field.label).unwrap_or_else(|| default_label(&field.field).into());
        if label.chars().count() > NAME_MAX {
            errors.insert(
                "fields".into(),
                format!("Keep each label under {NAME_MAX} characters."),
            );
        }
        fields.push(FormField {
            field: field.field.clone(),
            label,
            required: field.required,
        });
    }
    if fields.is_empty() {
        errors.insert(
            "fields".into(),
            "Choose the fields the form asks for.".into(),
        );
    } else if !fields
        .iter()
        .any(|f| f.required && (f.field == "last_name" || f.field == "company_name"))
    {
        errors.insert(
            "fields".into(),
            "A lead needs a last name or a company: make one of them required.".into(),
        );
    }
    let consent_text = clean(&input.consent_text);
    too_long(&mut errors, "consent_text", &consent_text, TEXT_MAX);
    let lead_source = match input.lead_source.trim() {
        "" => LeadSource::Web,
        code => LeadSource::from_code(code).unwrap_or_else(|| {
            errors.insert(
                "lead_source".into(),
                "Choose a lead source from the list.".into(),
            );
            LeadSource::Web
        }),
    };
    let campaign = clean(&input.campaign);
    too_long(&mut errors, "campaign", &campaign, NAME_MAX);
    let owner = match OwnerRule::from_code(input.owner_rule.trim()) {
        Some(OwnerRule::User) => match input.owner_id {
            Some(id) => OwnerChoice::User(id),
            None => {
                errors.insert("owner_id".into(), "Choose who gets the leads.".into());
                OwnerChoice::User(0)
            }
        },
        Some(OwnerRule::RoundRobin) => {
            let mut reps: Vec<i64> = Vec::new();
            for rep in &input.reps {
                if !reps.contains(rep) {
                    reps.push(*rep);
                }
            }
            if reps.is_empty() {
                errors.insert(
                    "reps".into(),
                    "Choose at least one rep to take turns.".into(),
                );
            }
            OwnerChoice::RoundRobin(reps)
        }
        None => {
            errors.insert(
                "owner_rule".into(),
                "Choose how the owner is picked.".into(),
            );
            OwnerChoice::User(0)
        }
    };
    let thank_you = clean(&input.thank_you);
    too_long(&mut errors, "thank_you", &thank_you, TEXT_MAX);
    let redirect_url = clean(&input.redirect_url);
    if let Some(url) = &redirect_url {
        let web = url.starts_with("https://") || url.starts_with("http://");
        if !web || !crate::lead::rules::is_web_address(url) || url.len() > ORIGIN_VALUE_MAX {
            errors.insert(
                "redirect_url".into(),
                "Enter a full web address starting with https://.".into(),
            );
        }
    }
    let mut allowed_origins = Vec::new();
    for line in input
        .allowed_origins
        .lines()
        .filter(|l| !l.trim().is_empty())
    {
        match parse_origin(line) {
            Some(origin) if !allowed_origins.contains(&origin) => allowed_origins.push(origin),
            Some(_) => {}
            None => {
                errors.insert(
                    "allowed_origins".into(),
                    format!(
                        "{:?} is not an origin like https://www.example.com.",
                        line.trim()
                    ),
                );
            }
        }
    }
    let min_fill_seconds = match input.min_fill_seconds.trim() {
        "" => 3,
        text => match text.parse::<i64>() {
            Ok(seconds) if (0..=600).contains(&seconds) => seconds,
            _ => {
                errors.insert(
                    "min_fill_seconds".into(),
                    "Enter a number of seconds from 0 to 600.".into(),
                );
                0
            }
        },
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(WebFormConfig {
        name,
        fields,
        consent_text,
        lead_source,
        campaign,
        owner,
        thank_you,
        redirect_url,
        allowed_origins,
        min_fill_seconds,
        list_id: input.list_id,
    })
}

/// The form's own fields out of a posted body (the last value of each); anything else a
/// client posts (an owner, a source, a status) is left out.
pub fn read_values(fields: &[FormField], posted: &[(String, String)]) -> BTreeMap<String, String> {
    fields
        .iter()
        .filter_map(|field| {
            let value = posted.iter().rev().find(|(name, _)| *name == field.field)?;
            Some((field.field.clone(), value.1.trim().to_string()))
        })
        .filter(|(_, value)| !value.is_empty())
        .collect()
}

/// The value of one posted field (the last), if any.
pub fn posted_value<'a>(posted: &'a [(String, String)], name: &str) -> Option<&'a str> {
    posted
        .iter()
        .rev()
        .find(|(field, _)| field == name)
        .map(|(_, value)| value.as_str())
}

/// The lead a submission makes, validated: required fields, consent, and the lead form's
/// own rules. Errors are keyed by field, worded for the visitor.
pub fn lead_of_submission(
    config: &WebFormConfig,
    values: &BTreeMap<String, String>,
    consent: bool,
) -> Result<LeadFields, AppError> {
    let mut errors = FieldErrors::new();
    for field in config.fields.iter().filter(|f| f.required) {
        if !values.contains_key(&field.field) {
            errors.insert(
                field.field.clone(),
                format!("Enter your {}.", field.label.to_lowercase()),
            );
        }
    }
    if config.consent_text.is_some() && !consent {
        errors.insert(
            "consent".into(),
            "Tick the box to agree before sending.".into(),
        );
    }
    let input = lead_input(config, values);
    match validate_lead(&input) {
        Ok(fields) if errors.is_empty() => Ok(fields),
        Ok(_) => Err(AppError::Validation(errors)),
        Err(AppError::Validation(lead_errors)) => {
            // Only errors about the form's own fields mean something to the visitor; the rest
            // (a topic the form does not ask) are filled in by `lead_input`.
            for (field, message) in lead_errors {
                let on_form = config.fields.iter().any(|f| f.field == field);
                if on_form || field == "last_name" {
                    errors.entry(field).or_insert(message);
                }
            }
            if errors.is_empty() {
                errors.insert(
                    "form".into(),
                    "This form cannot take submissions right now.".into(),
                );
            }
            Err(AppError::Validation(errors))
        }
        Err(other) => Err(other),
    }
}

/// The lead form input of a submission: its values, the form's source, and a topic naming
/// the form when the form does not ask for one.
pub fn lead_input(config: &WebFormConfig, values: &BTreeMap<String, String>) -> LeadInput {
    let map: serde_json::Map<String, serde_json::Value> = values
        .iter()
        .map(|(field, value)| (field.clone(), serde_json::Value::String(value.clone())))
        .collect();
    let mut input: LeadInput =
        serde_json::from_value(serde_json::Value::Object(map)).unwrap_or_default();
    if input.topic.trim().is_empty() {
        input.topic = match &config.campaign {
            Some(campaign) => format!("{} ({campaign})", config.name),
            None => config.name.clone(),
        };
    }
    input.lead_source = config.lead_source.code().into();
    input
}

/// Why a submission looks like a bot's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpamSignal {
    Honeypot,
    TooFast,
    Expired,
}

impl SpamSignal {
    pub fn reason(self) -> &'static str {
        match self {
            SpamSignal::Honeypot => "The hidden field a person leaves empty was filled.",
            SpamSignal::TooFast => "Sent faster than a person can fill the form.",
            SpamSignal::Expired => "Sent from a form rendered more than a day earlier.",
        }
    }
}

/// The spam signal of a submission, if any: the honeypot filled, sent sooner than
/// `min_fill_secs` after the form was rendered, or later than `MAX_FORM_AGE_SECS`.
pub fn spam_signal(
    honeypot: &str,
    rendered_at: i64,
    now: i64,
    min_fill_secs: i64,
) -> Option<SpamSignal> {
    if !honeypot.trim().is_empty() {
        Some(SpamSignal::Honeypot)
    } else if now - rendered_at < min_fill_secs {
        Some(SpamSignal::TooFast)
    } else if now - rendered_at > MAX_FORM_AGE_SECS {
        Some(SpamSignal::Expired)
    } else {
        None
    }
}

/// Whether a request from `origin` may post: one of the allowed origins, or this server.
pub fn origin_allowed(origin: &str, allowed: &[String], own: &str) -> bool {
    match parse_origin(origin) {
        Some(origin) => origin == own || allowed.contains(&origin),
        None => false,
    }
}

/// The next rep in the rotation after `last`, skipping deactivated ones; `reps` are
/// (user, active) in rotation order.
pub fn next_rep(reps: &[(i64, bool)], last: Option<i64>) -> Option<i64> {
    let start = last
        .and_then(|last| reps.iter().position(|(id, _)| *id == last))
        .map_or(0, |i| i + 1);
    (0..reps.len())
        .map(|offset| reps[(start + offset) % reps.len()])
        .find(|(_, active)| *active)
        .map(|(id, _)| id)
}

/// The next working day (Monday to Friday) after `day`.
pub fn next_working_day(day: NaiveDate) -> NaiveDate {
    let mut next = day.succ_opt().unwrap_or(day);
    while matches!(next.weekday(), Weekday::Sat | Weekday::Sun) {
        next = next.succ_opt().unwrap_or(next);
    }
    next
}

/// Text from the browser kept as attribution: trimmed, no control characters, capped.
pub fn origin_value(text: Option<&str>) -> Option<String> {
    let text: String = text?
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(ORIGIN_VALUE_MAX)
        .collect();
    (!text.is_empty()).then_some(text)
}

/// The attribution a posted body carries (the snippet and the hosted page fill these).
pub fn origin_of(posted: &[(String, String)], referer_header: Option<&str>) -> WebOrigin {
    let value = |name: &str| origin_value(posted_value(posted, name));
    WebOrigin {
        page_url: value("_page").or_else(|| origin_value(referer_header)),
        referrer: value("_referrer"),
        utm_source: value("utm_source"),
        utm_medium: value("utm_medium"),
        utm_campaign: value("utm_campaign"),
        utm_term: value("utm_term"),
        utm_content: value("utm_content"),
    }
}

/// The name and email a submission gives, for the log.
pub fn sender_of(values: &BTreeMap<String, String>) -> String {
    let name = [values.get("first_name"), values.get("last_name")]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ");
    let parts: Vec<&str> = [
        Some(name.as_str()),
        values.get("company_name").map(String::as_str),
        values.get("email").map(String::as_str),
    ]
    .into_iter()
    .flatten()
    .filter(|part| !part.is_empty())
    .collect();
    parts.join(" · ")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The snippets that embed form `key` served from `base` (`https://crm.example.com`).
pub fn embed(base: &str, key: &str, config: &WebFormConfig) -> Embed {
    let action = format!("{base}/f/{key}");
    let script = format!("<script src=\"{base}/f/embed.js\" async></script>");
    let mut html =
        format!("<form method=\"post\" action=\"{action}\" data-leadflow-form=\"{key}\">\n");
    for field in &config.fields {
        let id = format!("leadflow-{}", field.field);
        let required = if field.required { " required" } else { "" };
        let label = escape(&field.label);
        let control = match input_kind(&field.field) {
            InputKind::TextArea => format!(
                "<textarea id=\"{id}\" name=\"{}\"{required}></textarea>",
                field.field
            ),
            InputKind::Choice(choices) => {
                let options: String = choices
                    .iter()
                    .map(|(code, label)| format!("<option value=\"{code}\">{label}</option>"))
                    .collect();
                format!(
                    "<select id=\"{id}\" name=\"{}\"{required}><option value=\"\"></option>{options}</select>",
                    field.field
                )
            }
            kind => {
                let kind = match kind {
                    InputKind::Email => "email",
                    InputKind::Tel => "tel",
                    InputKind::Url => "url",
                    _ => "text",
                };
                format!(
                    "<input id=\"{id}\" name=\"{}\" type=\"{kind}\"{required}>",
                    field.field
                )
            }
        };
        html.push_str(&format!(
            "  <p><label for=\"{id}\">{label}</label><br>{control}</p>\n"
        ));
    }
    if let Some(consent) = &config.consent_text {
        html.push_str(&format!(
            "  <p><label><input type=\"checkbox\" name=\"consent\" value=\"yes\" required> {}</label></p>\n",
            escape(consent)
        ));
    }
    html.push_str(&format!(
        "  <p style=\"position:absolute;left:-10000px\" aria-hidden=\"true\"><label>Leave this empty <input name=\"{HONEYPOT_FIELD}\" tabindex=\"-1\" autocomplete=\"off\"></label></p>\n"
    ));
    html.push_str("  <button type=\"submit\">Send</button>\n</form>\n");
    html.push_str(&script);
    let iframe = format!(
        "<iframe data-leadflow-form=\"{key}\" src=\"{action}\" title=\"{}\" style=\"width:100%;min-height:640px;border:0\"></iframe>\n{script}",
        escape(&config.name)
    );
    Embed {
        hosted_url: action,
        html_form: html,
        iframe,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(field: &str, required: bool) -> FormField {
        FormField {
            field: field.into(),
            label: String::new(),
            required,
        }
    }

    fn input() -> WebFormInput {
        WebFormInput {
            name: "  Contact   us ".into(),
            fields: vec![
                field("first_name", false),
                field("last_name", true),
                field("email", true),
            ],
            owner_rule: "round_robin".into(),
            reps: vec![3, 4, 3],
            allowed_origins: "https://WWW.Example.com/\n\nhttp://localhost:8080".into(),
            ..WebFormInput::default()
        }
    }

    fn config() -> WebFormConfig {
        validate_form(&input()).expect("valid")
    }

    fn errors(result: Result<WebFormConfig, AppError>) -> FieldErrors {
        match result {
            Err(AppError::Validation(errors)) => errors,
            other => panic!("expected field errors, got {other:?}"),
        }
    }

    #[test]
    fn a_form_is_cleaned_and_labels_default_to_the_lead_form() {
        let config = config();
        assert_eq!(config.name, "Contact us");
        assert_eq!(config.fields[1].label, "Last name");
        assert_eq!(config.lead_source, LeadSource::Web);
        assert_eq!(config.owner, OwnerChoice::RoundRobin(vec![3, 4]));
        assert_eq!(
            config.allowed_origins,
            ["https://www.example.com", "http://localhost:8080"]
        );
        assert_eq!(config.min_fill_seconds, 3);
        assert_eq!(
            validate_form(&config.to_input()).expect("round trip"),
            config
        );
    }

    #[test]
    fn every_bad_setting_is_a_field_error() {
        let bad = WebFormInput {
            name: " ".into(),
            fields: vec![
                field("owner_id", true),
                field("email", true),
                field("email", false),
            ],
            lead_source: "carrier-pigeon".into(),
            owner_rule: "round_robin".into(),
            reps: vec![],
            redirect_url: "javascript:alert(1)".into(),
            allowed_origins: "www.example.com/path".into(),
            min_fill_seconds: "-1".into(),
            ..WebFormInput::default()
        };
        let errors = errors(validate_form(&bad));
        let keys: Vec<&str> = errors.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "allowed_origins",
                "fields",
                "lead_source",
                "min_fill_seconds",
                "name",
                "redirect_url",
                "reps"
            ]
        );
        let single_user = WebFormInput {
            owner_rule: "user".into(),
            ..input()
        };
        assert!(errors_of(single_user).contains_key("owner_id"));
    }

    fn errors_of(input: WebFormInput) -> FieldErrors {
        errors(validate_form(&input))
    }

    #[test]
    fn a_form_must_ask_for_a_last_name_or_a_company() {
        let no_name = WebFormInput {
            fields: vec![field("email", true), field("last_name", false)],
            ..input()
        };
        assert!(errors_of(no_name)["fields"].contains("last name or a company"));
        let company = WebFormInput {
            fields: vec![field("company_name", true)],
            ..input()
        };
        assert!(validate_form(&company).is_ok());
    }

    #[test]
    fn only_the_forms_fields_are_read() {
        let posted: Vec<(String, String)> = [
            ("last_name", "Okafor"),
            ("email", " ada@example.com "),
            ("owner_id", "1"),
            ("lead_source", "partner"),
            ("status", "qualified"),
            ("first_name", ""),
            ("last_name", "Okafor-Smith"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let values = read_values(&config().fields, &posted);
        assert_eq!(
            values.into_iter().collect::<Vec<_>>(),
            [
                ("email".to_string(), "ada@example.com".to_string()),
                ("last_name".into(), "Okafor-Smith".into())
            ]
        );
    }

    #[test]
    fn a_submission_becomes_a_web_lead_named_after_its_form() {
        let config = WebFormConfig {
            campaign: Some("Spring fair".into()),
            ..config()
        };
        let values = BTreeMap::from([
            ("last_name".to_string(), "Okafor".to_string()),
            ("email".into(), "ada@example.com".into()),
        ]);
        let lead = lead_of_submission(&config, &values, false).expect("valid");
        assert_eq!(lead.topic, "Contact us (Spring fair)");
        assert_eq!(lead.lead_source, Some(LeadSource::Web));
        assert_eq!(lead.email.as_deref(), Some("ada@example.com"));
    }

    #[test]
    fn missing_required_fields_bad_email_and_no_consent_are_field_errors() {
        let config = WebFormConfig {
            consent_text: Some("I agree".into()),
            ..config()
        };
        let values = BTreeMap::from([("email".to_string(), "not an email".to_string())]);
        let errors = match lead_of_submission(&config, &values, false) {
            Err(AppError::Validation(errors)) => errors,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            ["consent", "email", "last_name"]
        );
        assert_eq!(errors["last_name"], "Enter your last name.");
    }

    #[test]
    fn spam_signals() {
        assert_eq!(
            spam_signal("http://spam", 100, 200, 3),
            Some(SpamSignal::Honeypot)
        );
        assert_eq!(spam_signal("", 100, 102, 3), Some(SpamSignal::TooFast));
        assert_eq!(spam_signal("", 100, 103, 3), None);
        assert_eq!(spam_signal("", 100, 100 + MAX_FORM_AGE_SECS, 3), None);
        assert_eq!(
            spam_signal("", 100, 101 + MAX_FORM_AGE_SECS, 3),
            Some(SpamSignal::Expired)
        );
        assert_eq!(spam_signal("", 100, 100, 0), None);
    }

    #[test]
    fn origins_are_compared_as_browsers_send_them() {
        let allowed = config().allowed_origins;
        assert!(origin_allowed(
            "https://www.example.com",
            &allowed,
            "http://crm"
        ));
        assert!(origin_allowed("http://crm", &allowed, "http://crm"));
        assert!(!origin_allowed(
            "https://evil.example",
            &allowed,
            "http://crm"
        ));
        assert!(!origin_allowed("null", &allowed, "http://crm"));
        assert_eq!(parse_origin("ftp://example.com"), None);
        assert_eq!(parse_origin("https://"), None);
    }

    #[test]
    fn round_robin_takes_turns_and_skips_deactivated_reps() {
        let reps = [(3, true), (4, false), (5, true)];
        assert_eq!(next_rep(&reps, None), Some(3));
        assert_eq!(next_rep(&reps, Some(3)), Some(5));
        assert_eq!(next_rep(&reps, Some(5)), Some(3));
        // A rep removed from the rotation since: start again from the first.
        assert_eq!(next_rep(&reps, Some(9)), Some(3));
        assert_eq!(next_rep(&[(4, false)], None), None);
        assert_eq!(next_rep(&[], None), None);
    }

    #[test]
    fn follow_ups_fall_on_the_next_working_day() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        // 2026-12-04 is a Friday.
        assert_eq!(next_working_day(day(4)), day(7));
        assert_eq!(next_working_day(day(5)), day(7));
        assert_eq!(next_working_day(day(7)), day(8));
    }

    #[test]
    fn attribution_is_capped_and_falls_back_to_the_referer() {
        let posted = vec![
            (
                "_page".to_string(),
                "https://www.example.com/pricing?utm_source=news".to_string(),
            ),
            (
                "utm_source".into(),
                format!("news\u{7}{}", "x".repeat(3000)),
            ),
        ];
        let origin = origin_of(&posted, Some("https://ignored"));
        assert_eq!(
            origin.page_url.as_deref(),
            Some("https://www.example.com/pricing?utm_source=news")
        );
        assert_eq!(
            origin.utm_source.as_ref().map(|s| s.chars().count()),
            Some(ORIGIN_VALUE_MAX)
        );
        assert!(!origin.utm_source.unwrap().contains('\u{7}'));
        assert_eq!(
            origin_of(&[], Some("https://a.example/x"))
                .page_url
                .as_deref(),
            Some("https://a.example/x")
        );
    }

    #[test]
    fn snippets_post_to_the_public_address_and_escape_labels() {
        let mut config = config();
        config.fields[0].label = "Name <b>".into();
        config.consent_text = Some("I agree to \"terms\"".into());
        let embed = embed("https://crm.example.com", "k3y", &config);
        assert_eq!(embed.hosted_url, "https://crm.example.com/f/k3y");
        assert!(
            embed
                .html_form
                .contains("action=\"https://crm.example.com/f/k3y\"")
        );
        assert!(embed.html_form.contains("Name &lt;b&gt;"));
        assert!(embed.html_form.contains("I agree to &quot;terms&quot;"));
        assert!(
            embed
                .html_form
                .contains(&format!("name=\"{HONEYPOT_FIELD}\""))
        );
        assert!(
            embed
                .iframe
                .contains("src=\"https://crm.example.com/f/k3y\"")
        );
        assert!(embed.iframe.contains("/f/embed.js"));
    }
}
