//! Scoring on plain values: what a rule set must be (checked names, fields, points,
//! thresholds), how a lead scores under it (with the lines that explain the score), its
//! grade, and the default rules every installation starts with.

use super::{Grade, LeadScore, RuleDraft, RuleSetDraft, RuleTest, ScoreLine, ScoringField};
use crate::error::{AppError, FieldErrors};
use crate::lead::rules::{LEAD_FIELD_LABELS, LeadFields};
use crate::lead::{BudgetStatus, LeadSource, Need, PurchaseProcess, PurchaseTimeframe, Rating};

const DAY_SECONDS: i64 = 86_400;
/// The most points one rule gives or takes.
pub const MAX_POINTS: i64 = 100;
/// The longest look-back of an engagement rule, in days.
const MAX_DAYS: i64 = 3650;
const MAX_NAME: usize = 80;

/// A field test, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldTest {
    Equals(String),
    OneOf(Vec<String>),
    IsSet,
    NotSet,
    Contains(Vec<String>),
    /// Whole units of the budget's currency, either end open.
    InRange(Option<i64>, Option<i64>),
}

/// What a checked rule looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    Field {
        field: String,
        test: FieldTest,
    },
    /// Each activity logged in the last `days` gives the points, fading to none as it ages.
    RecentActivities {
        days: i64,
    },
    WebForm,
    /// No activity (or, without any, no creation) for `days` or more.
    Quiet {
        days: i64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub name: String,
    pub condition: Condition,
    pub points: i64,
    /// The most this rule adds (or, for negative points, takes away) in all.
    pub cap: Option<i64>,
}

impl Rule {
    fn is_engagement(&self) -> bool {
        !matches!(self.condition, Condition::Field { .. })
    }

    /// The most this rule can add to a score (None: no limit).
    fn most(&self) -> Option<i64> {
        match self.condition {
            Condition::RecentActivities { .. } if self.points > 0 => self.cap,
            _ => Some(self.points.max(0)),
        }
    }
}

/// The lowest score of each grade: A above B above C.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub a: i64,
    pub b: i64,
    pub c: i64,
}

impl Thresholds {
    pub fn grade(&self, score: i64) -> Grade {
        if score >= self.a {
            Grade::A
        } else if score >= self.b {
            Grade::B
        } else if score >= self.c {
            Grade::C
        } else {
            Grade::D
        }
    }
}

/// A checked rule set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoringRules {
    pub rules: Vec<Rule>,
    pub thresholds: Thresholds,
}

/// What a lead is scored on: its fields, when it was created, when its activities were
/// logged, whether it came through a web form, and the moment it is scored at (seconds).
#[derive(Debug, Clone, Copy)]
pub struct ScoringInput<'a> {
    pub fields: &'a LeadFields,
    pub created_at: i64,
    pub activity_times: &'a [i64],
    pub web_form: bool,
    pub now: i64,
}

/// The form key of a rule's input: `rule-2-points`.
pub fn rule_key(rule: usize, what: &str) -> String {
    format!("rule-{rule}-{what}")
}

/// The names and labels of the lead fields a rule can test (the record's own fields, in
/// form order).
fn field_labels() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    LEAD_FIELD_LABELS
        .iter()
        .take_while(|(name, _)| *name != "owner")
}

/// The lead fields a rule can test, with the choices of choice fields.
pub fn scoring_fields() -> Vec<ScoringField> {
    field_labels()
        .map(|(name, label)| ScoringField {
            name: name.to_string(),
            label: label.to_string(),
            options: field_options(name)
                .map(|options| options.into_iter().map(str::to_string).collect())
                .unwrap_or_default(),
        })
        .collect()
}

fn labels<T: crate::options::OptionSet>() -> Vec<&'static str> {
    T::all().iter().map(|option| option.label()).collect()
}

/// The values a choice field can hold, as users read them.
fn field_options(field: &str) -> Option<Vec<&'static str>> {
    Some(match field {
        "lead_source" => labels::<LeadSource>(),
        "rating" => labels::<Rating>(),
        "budget_status" => labels::<BudgetStatus>(),
        "purchase_timeframe" => labels::<PurchaseTimeframe>(),
        "purchase_process" => labels::<PurchaseProcess>(),
        "need" => labels::<Need>(),
        "decision_maker_identified" => vec!["Yes", "No"],
        _ => return None,
    })
}

fn number(
    input: &str,
    errors: &mut FieldErrors,
    key: String,
    range: (i64, i64),
    what: &str,
) -> Option<i64> {
    let input = input.trim().replace('−', "-");
    if input.is_empty() {
        return None;
    }
    match input.parse::<i64>() {
        Ok(n) if (range.0..=range.1).contains(&n) => Some(n),
        _ => {
            errors.insert(
                key,
                format!(
                    "{what} must be a whole number from {} to {}.",
                    range.0, range.1
                ),
            );
            None
        }
    }
}

fn values_of(input: &str) -> Vec<String> {
    input
        .split(',')
        .map(|value| value.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|value| !value.is_empty())
        .collect()
}

fn check_rule(index: usize, draft: &RuleDraft, errors: &mut FieldErrors) -> Option<Rule> {
    let key = |what: &str| rule_key(index, what);
    let before = errors.len();
    let name = draft.name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        errors.insert(key("name"), "Give the rule a name.".into());
    } else if name.chars().count() > MAX_NAME {
        errors.insert(
            key("name"),
            format!("Keep the name to {MAX_NAME} characters."),
        );
    }
    let points = number(
        &draft.points,
        errors,
        key("points"),
        (-MAX_POINTS, MAX_POINTS),
        "Points",
    );
    if draft.points.trim().is_empty() {
        errors.insert(
            key("points"),
            format!("Give points from -{MAX_POINTS} to {MAX_POINTS}."),
        );
    }
    let cap = number(&draft.cap, errors, key("cap"), (1, MAX_POINTS), "The cap");
    let days = if draft.test.needs_days() {
        let days = number(&draft.days, errors, key("days"), (1, MAX_DAYS), "Days");
        if draft.days.trim().is_empty() {
            errors.insert(key("days"), "Say how many days.".into());
        }
        days
    } else {
        None
    };
    let field = draft.field.trim();
    let options = field_options(field);
    if draft.test.needs_field() {
        if field.is_empty() {
            errors.insert(key("field"), "Choose a field.".into());
        } else if !field_labels().any(|(name, _)| *name == field) {
            errors.insert(key("field"), format!("Leads have no field \"{field}\"."));
        } else if draft.test == RuleTest::InRange && field != "budget_amount" {
            errors.insert(key("field"), "Only the budget amount is a number.".into());
        }
    }
    let values = values_of(&draft.value);
    if draft.test.needs_value() {
        if values.is_empty() {
            errors.insert(key("value"), "Give the value to look for.".into());
        } else if draft.test == RuleTest::Equals && values.len() > 1 {
            errors.insert(
                key("value"),
                "Equals takes one value: use \"is one of\" for several.".into(),
            );
        } else if let Some(options) = options
            .as_ref()
            .filter(|_| draft.test != RuleTest::Contains)
            && let Some(unknown) = values
                .iter()
                .find(|v| !options.iter().any(|o| o.eq_ignore_ascii_case(v)))
        {
            errors.insert(
                key("value"),
                format!("\"{unknown}\" is not a choice: {}.", options.join(", ")),
            );
        }
    }
    let (min, max) = if draft.test.needs_range() {
        let min = number(&draft.min, errors, key("min"), (0, i64::MAX / 100), "From");
        let max = number(&draft.max, errors, key("max"), (0, i64::MAX / 100), "To");
        if min.is_none() && max.is_none() && !errors.contains_key(&key("min")) {
            errors.insert(key("min"), "Give a lowest or a highest amount.".into());
        }
        if let (Some(min), Some(max)) = (min, max)
            && min > max
        {
            errors.insert(key("max"), "The highest amount is below the lowest.".into());
        }
        (min, max)
    } else {
        (None, None)
    };
    if errors.len() > before {
        return None;
    }
    let field = field.to_string();
    let condition = match draft.test {
        RuleTest::Equals => Condition::Field {
            field,
            test: FieldTest::Equals(values[0].clone()),
        },
        RuleTest::OneOf => Condition::Field {
            field,
            test: FieldTest::OneOf(values),
        },
        RuleTest::IsSet => Condition::Field {
            field,
            test: FieldTest::IsSet,
        },
        RuleTest::NotSet => Condition::Field {
            field,
            test: FieldTest::NotSet,
        },
        RuleTest::Contains => Condition::Field {
            field,
            test: FieldTest::Contains(values),
        },
        RuleTest::InRange => Condition::Field {
            field,
            test: FieldTest::InRange(min, max),
        },
        RuleTest::RecentActivities => Condition::RecentActivities { days: days? },
        RuleTest::WebForm => Condition::WebForm,
        RuleTest::Quiet => Condition::Quiet { days: days? },
    };
    Some(Rule {
        name,
        condition,
        points: points?,
        cap,
    })
}

/// Checks a rule set: every rule named (uniquely), on a field leads have, with its value,
/// points within ±100; thresholds A above B above C, within 1–100. Errors are keyed by the
/// editor's inputs.
pub fn validate(draft: &RuleSetDraft) -> Result<ScoringRules, AppError> {
    let mut errors = FieldErrors::new();
    let mut rules = Vec::with_capacity(draft.rules.len());
    for (index, rule) in draft.rules.iter().enumerate() {
        if let Some(rule) = check_rule(index, rule, &mut errors) {
            if rules
                .iter()
                .any(|earlier: &Rule| earlier.name.eq_ignore_ascii_case(&rule.name))
            {
                errors.insert(
                    rule_key(index, "name"),
                    format!("Another rule is already called {}.", rule.name),
                );
            }
            rules.push(rule);
        }
    }
    let mut threshold = |input: &str, grade: &str| {
        let key = format!("grade-{grade}");
        let value = number(input, &mut errors, key.clone(), (1, 100), "A threshold");
        if input.trim().is_empty() {
            errors.insert(key, "Give the lowest score of this grade.".into());
        }
        value
    };
    let a = threshold(&draft.grade_a, "a");
    let b = threshold(&draft.grade_b, "b");
    let c = threshold(&draft.grade_c, "c");
    if let (Some(a), Some(b)) = (a, b)
        && a <= b
    {
        errors.insert("grade-a".into(), "A must start above B.".into());
    }
    if let (Some(b), Some(c)) = (b, c)
        && b <= c
    {
        errors.insert("grade-b".into(), "B must start above C.".into());
    }
    match (a, b, c) {
        (Some(a), Some(b), Some(c)) if errors.is_empty() => Ok(ScoringRules {
            rules,
            thresholds: Thresholds { a, b, c },
        }),
        _ => Err(AppError::Validation(errors)),
    }
}

/// What is worth knowing about a valid rule set before publishing it.
pub fn warnings(rules: &ScoringRules) -> Vec<String> {
    let most = rules
        .rules
        .iter()
        .map(Rule::most)
        .try_fold(0_i64, |sum, most| most.map(|most| sum + most));
    match most {
        Some(most) if most < rules.thresholds.a => vec![format!(
            "No lead can reach grade A: the rules add up to {most} at most, and A starts at {}.",
            rules.thresholds.a
        )],
        _ => Vec::new(),
    }
}

/// A lead's fields as users read them, worked out once per lead scored.
struct FieldValues<'a> {
    fields: &'a LeadFields,
    values: Vec<crate::history::FieldValue>,
}

impl FieldValues<'_> {
    /// A field's value (None: empty).
    fn get(&self, field: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(name, _)| *name == field)
            .and_then(|(_, value)| value.as_deref())
    }
}

fn field_matches(values: &FieldValues, field: &str, test: &FieldTest) -> bool {
    let fields = values.fields;
    if let FieldTest::InRange(min, max) = test {
        // Whole units: a budget of 12,345.67 is in 10,000–12,345.
        return fields.budget_amount_minor.is_some_and(|minor| {
            let units = minor.div_euclid(100);
            min.is_none_or(|min| units >= min) && max.is_none_or(|max| units <= max)
        });
    }
    let value = values.get(field);
    let same = |wanted: &String| value.is_some_and(|value| value.eq_ignore_ascii_case(wanted));
    match test {
        FieldTest::Equals(wanted) => same(wanted),
        FieldTest::OneOf(wanted) => wanted.iter().any(same),
        FieldTest::IsSet => value.is_some(),
        FieldTest::NotSet => value.is_none(),
        FieldTest::Contains(words) => value.is_some_and(|value| {
            let value = value.to_lowercase();
            words
                .iter()
                .any(|word| value.contains(&word.to_lowercase()))
        }),
        FieldTest::InRange(..) => false,
    }
}

/// The points one rule gives a lead, and how the line reads (None: the rule does not apply).
fn points_of(rule: &Rule, input: &ScoringInput, values: &FieldValues) -> Option<(i64, String)> {
    let capped = |points: i64| match rule.cap {
        Some(cap) => points.clamp(-cap, cap),
        None => points,
    };
    match &rule.condition {
        Condition::Field { field, test } => {
            field_matches(values, field, test).then(|| (capped(rule.points), rule.name.clone()))
        }
        Condition::WebForm => input
            .web_form
            .then(|| (capped(rule.points), rule.name.clone())),
        Condition::Quiet { days } => {
            let last = input
                .activity_times
                .iter()
                .copied()
                .filter(|at| *at <= input.now)
                .max()
                .unwrap_or(input.created_at);
            (input.now - last >= days * DAY_SECONDS)
                .then(|| (capped(rule.points), rule.name.clone()))
        }
        Condition::RecentActivities { days } => {
            let window = (days * DAY_SECONDS) as f64;
            let recent: Vec<f64> = input
                .activity_times
                .iter()
                .map(|at| (input.now - at) as f64)
                .filter(|age| (0.0..window).contains(age))
                .collect();
            if recent.is_empty() {
                return None;
            }
            // Each activity counts in full when new and fades in a straight line to nothing
            // at the end of the window.
            let sum: f64 = recent
                .iter()
                .map(|age| rule.points as f64 * (1.0 - age / window))
                .sum();
            let points = capped(sum.round() as i64);
            let count = recent.len();
            let noun = if count == 1 { "activity" } else { "activities" };
            (points != 0).then(|| (points, format!("{} ({count} {noun})", rule.name)))
        }
    }
}

/// Scores a lead: each rule that applies gives its points (fit or engagement); the score is
/// their sum kept within 0–100, graded by the thresholds. `version` is the rules' version.
pub fn evaluate(rules: &ScoringRules, version: i64, input: &ScoringInput) -> LeadScore {
    let mut lines = Vec::new();
    let (mut fit, mut engagement) = (0, 0);
    let values = FieldValues {
        fields: input.fields,
        values: input.fields.display_values(),
    };
    for rule in &rules.rules {
        if let Some((points, text)) = points_of(rule, input, &values) {
            if rule.is_engagement() {
                engagement += points;
            } else {
                fit += points;
            }
            lines.push(ScoreLine {
                points,
                engagement: rule.is_engagement(),
                text,
            });
        }
    }
    let score = (fit + engagement).clamp(0, 100);
    LeadScore {
        score,
        grade: rules.thresholds.grade(score),
        fit,
        engagement,
        version,
        lines,
    }
}

fn draft_rule(name: &str, test: RuleTest, field: &str, value: &str, points: i64) -> RuleDraft {
    RuleDraft {
        name: name.into(),
        test,
        field: field.into(),
        value: value.into(),
        points: points.to_string(),
        ..RuleDraft::default()
    }
}

/// The rules every installation starts with (version 1): who the lead is, then what they
/// did lately.
pub fn default_rules() -> RuleSetDraft {
    use RuleTest::*;
    RuleSetDraft {
        rules: vec![
            draft_rule("Rating is Hot", Equals, "rating", "Hot", 25),
            draft_rule("Rating is Warm", Equals, "rating", "Warm", 10),
            draft_rule("Rating is Cold", Equals, "rating", "Cold", -5),
            draft_rule(
                "Budget status is Will Buy",
                Equals,
                "budget_status",
                "Will Buy",
                15,
            ),
            draft_rule(
                "Budget status is Can Buy",
                Equals,
                "budget_status",
                "Can Buy",
                8,
            ),
            draft_rule(
                "Decision maker identified",
                Equals,
                "decision_maker_identified",
                "Yes",
                10,
            ),
            draft_rule(
                "Buying this quarter",
                OneOf,
                "purchase_timeframe",
                "Immediate, This Quarter",
                10,
            ),
            draft_rule(
                "Senior job title",
                Contains,
                "job_title",
                "VP, Vice President, Director, Chief, Head",
                10,
            ),
            draft_rule(
                "Referred",
                OneOf,
                "lead_source",
                "Employee Referral, External Referral, Partner",
                10,
            ),
            draft_rule("No email", NotSet, "email", "", -10),
            RuleDraft {
                days: "30".into(),
                cap: "20".into(),
                ..draft_rule(
                    "Activities in the last 30 days",
                    RecentActivities,
                    "",
                    "",
                    6,
                )
            },
            draft_rule("Came through a web form", WebForm, "", "", 10),
            RuleDraft {
                days: "30".into(),
                ..draft_rule("No activity for 30 days", Quiet, "", "", -10)
            },
        ],
        grade_a: "50".into(),
        grade_b: "30".into(),
        grade_c: "15".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;
    const DAY: i64 = DAY_SECONDS;

    fn lead() -> LeadFields {
        LeadFields {
            topic: "Espresso fleet".into(),
            last_name: Some("Quorvik".into()),
            job_title: Some("VP of Operations".into()),
            email: Some("q@example.com".into()),
            rating: Some(Rating::Hot),
            budget_status: Some(BudgetStatus::WillBuy),
            budget_amount_minor: Some(1_250_000),
            currency: "USD".into(),
            ..LeadFields::default()
        }
    }

    fn input<'a>(fields: &'a LeadFields, activities: &'a [i64]) -> ScoringInput<'a> {
        ScoringInput {
            fields,
            created_at: NOW - 100 * DAY,
            activity_times: activities,
            web_form: false,
            now: NOW,
        }
    }

    fn rules() -> ScoringRules {
        validate(&default_rules()).expect("the default rules are valid")
    }

    #[test]
    fn fixed_inputs_give_exact_scores_and_lines() {
        let fields = lead();
        // One activity 15 days ago: 6 points faded by half = 3.
        let activities = [NOW - 15 * DAY];
        let score = evaluate(&rules(), 4, &input(&fields, &activities));
        let lines: Vec<String> = score.lines.iter().map(ScoreLine::label).collect();
        assert_eq!(
            lines,
            [
                "+25 Rating is Hot",
                "+15 Budget status is Will Buy",
                "+10 Senior job title",
                "+3 Activities in the last 30 days (1 activity)",
            ]
        );
        assert_eq!((score.fit, score.engagement, score.score), (50, 3, 53));
        assert_eq!((score.grade, score.version), (Grade::A, 4));
    }

    #[test]
    fn activities_fade_with_an_injected_clock_and_the_cap_holds() {
        let fields = LeadFields {
            rating: None,
            job_title: None,
            budget_status: None,
            ..lead()
        };
        let engagement = |now: i64, activities: &[i64]| {
            let at = ScoringInput {
                now,
                ..input(&fields, activities)
            };
            evaluate(&rules(), 1, &at).engagement
        };
        let logged = [NOW];
        assert_eq!(engagement(NOW, &logged), 6);
        assert_eq!(engagement(NOW + 10 * DAY, &logged), 4);
        assert_eq!(engagement(NOW + 20 * DAY, &logged), 2);
        // Past the window it no longer counts; a further 30 quiet days cost 10.
        assert_eq!(engagement(NOW + 29 * DAY, &logged), 0);
        assert_eq!(engagement(NOW + 30 * DAY, &logged), -10);
        // Five fresh activities would be 30: capped at 20.
        assert_eq!(engagement(NOW, &[NOW; 5]), 20);
    }

    #[test]
    fn the_score_stays_within_0_to_100_and_grades_by_thresholds() {
        let thresholds = Thresholds {
            a: 50,
            b: 30,
            c: 15,
        };
        let grades: Vec<Grade> = [100, 50, 49, 30, 29, 15, 14, 0]
            .into_iter()
            .map(|score| thresholds.grade(score))
            .collect();
        use Grade::*;
        assert_eq!(grades, [A, A, B, B, C, C, D, D]);
        let bare = LeadFields {
            topic: "Cold call".into(),
            rating: Some(Rating::Cold),
            ..LeadFields::default()
        };
        let score = evaluate(&rules(), 1, &input(&bare, &[]));
        // Cold −5, no email −10, quiet for 100 days −10: kept at 0.
        assert_eq!((score.fit, score.engagement, score.score), (-15, -10, 0));
        assert_eq!(score.grade, Grade::D);
    }

    #[test]
    fn budget_ranges_and_choices_compare_as_users_read_them() {
        let mut draft = default_rules();
        draft.rules = vec![
            RuleDraft {
                min: "10000".into(),
                max: "12500".into(),
                ..draft_rule("Mid budget", RuleTest::InRange, "budget_amount", "", 20)
            },
            draft_rule("Web", RuleTest::OneOf, "lead_source", "web, trade show", 5),
        ];
        let rules = validate(&draft).unwrap();
        let fields = LeadFields {
            lead_source: Some(LeadSource::TradeShow),
            ..lead()
        };
        assert_eq!(evaluate(&rules, 1, &input(&fields, &[])).score, 25);
        let over = LeadFields {
            budget_amount_minor: Some(1_250_100),
            lead_source: None,
            ..lead()
        };
        assert_eq!(evaluate(&rules, 1, &input(&over, &[])).score, 0);
    }

    #[test]
    fn bad_rule_sets_are_named_field_by_field() {
        let errors = |draft: &RuleSetDraft| match validate(draft) {
            Err(AppError::Validation(errors)) => errors,
            other => panic!("expected errors, got {other:?}"),
        };
        let mut draft = default_rules();
        draft.rules[0].name = "  ".into();
        draft.rules[1].field = "shoe_size".into();
        draft.rules[2].points = "101".into();
        draft.rules[3].value = "Boiling".into();
        draft.rules[4].name = "rating is hot".into();
        draft.rules[5].points = "ten".into();
        draft.rules[10].days = String::new();
        draft.rules[6].test = RuleTest::InRange;
        draft.grade_b = "50".into();
        let found = errors(&draft);
        for key in [
            "rule-0-name",
            "rule-1-field",
            "rule-2-points",
            "rule-3-value",
            "rule-5-points",
            "rule-6-field",
            "rule-6-min",
            "rule-10-days",
            "grade-a",
        ] {
            assert!(found.contains_key(key), "{key}: {found:?}");
        }
        assert_eq!(found.len(), 9, "{found:?}");
        // The duplicate name shows once the first name is valid.
        draft = default_rules();
        draft.rules[4].name = "rating is hot".into();
        assert_eq!(
            errors(&draft).get("rule-4-name").map(String::as_str),
            Some("Another rule is already called rating is hot.")
        );
        draft = default_rules();
        draft.grade_c = "0".into();
        draft.grade_b = "10".into();
        draft.grade_a = "10".into();
        let found = errors(&draft);
        assert!(found.contains_key("grade-c") && found.contains_key("grade-a"));
    }

    #[test]
    fn a_rule_set_that_cannot_reach_a_is_warned_about() {
        let mut draft = default_rules();
        assert!(warnings(&validate(&draft).unwrap()).is_empty());
        draft.rules.truncate(2);
        draft.grade_a = "40".into();
        assert_eq!(
            warnings(&validate(&draft).unwrap()),
            ["No lead can reach grade A: the rules add up to 35 at most, and A starts at 40."]
        );
    }
}
