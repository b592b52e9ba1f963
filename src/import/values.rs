//! Values as spreadsheets and other CRMs write them, read into Leadflow's types: amounts
//! (`1234.5`, `$1,234.50`, `1.234,50 €`), dates (ISO, `M/D/YYYY`, `D/M/YYYY`, with or
//! without a time) and option values (codes, labels, and the other systems' names for them).
//! Pure functions: the dry run and the run call them for every cell.

use crate::options::OptionSet;
use chrono::{NaiveDate, NaiveDateTime};

/// The largest amount an import accepts, in cents: a trillion dollars. Anything beyond is a
/// typing or unit mistake, not a deal.
pub const MAX_AMOUNT_MINOR: i64 = 100_000_000_000_000;

/// Currency words and symbols an amount may carry (USD is the one currency Leadflow records).
const CURRENCY_MARKS: [&str; 6] = ["us dollar", "usd", "us$", "$", "dollars", "dollar"];

/// An amount in cents. Thousands separators and the decimal mark are told apart by position:
/// with both `.` and `,`, the last one is the decimal mark; with one of them, it is a
/// thousands separator when it recurs or exactly three digits follow it, else the decimal
/// mark (so `1,234` is 1234 and `1,5` is 1.50).
pub fn parse_amount(text: &str) -> Result<i64, String> {
    let mut rest = text.trim().to_lowercase();
    let negative_brackets = rest.starts_with('(') && rest.ends_with(')');
    if negative_brackets {
        rest = rest[1..rest.len() - 1].to_string();
    }
    for mark in CURRENCY_MARKS {
        rest = rest.replace(mark, "");
    }
    if rest.contains(['€', '£', '¥']) {
        return Err(format!(
            "\"{}\" is not in US dollars, the one currency Leadflow records.",
            text.trim()
        ));
    }
    let rest: String = rest
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\'')
        .collect();
    let (negative, digits) = match rest.strip_prefix('-') {
        Some(digits) => (true, digits),
        None => (negative_brackets, rest.as_str()),
    };
    let not_an_amount = || format!("\"{}\" is not an amount.", text.trim());
    if digits.is_empty()
        || !digits
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return Err(not_an_amount());
    }
    let decimal_mark = match (digits.rfind('.'), digits.rfind(',')) {
        (Some(dot), Some(comma)) => Some(if dot > comma { '.' } else { ',' }),
        (Some(at), None) | (None, Some(at)) => {
            let mark = digits.as_bytes()[at] as char;
            let once = digits.matches(mark).count() == 1;
            let after = digits.len() - at - 1;
            (once && after != 3).then_some(mark)
        }
        (None, None) => None,
    };
    let (whole, fraction) = match decimal_mark {
        Some(mark) => {
            let at = digits.rfind(mark).unwrap_or(digits.len());
            (&digits[..at], &digits[at + 1..])
        }
        None => (digits, ""),
    };
    if fraction.len() > 2 || fraction.contains(['.', ',']) {
        return Err(format!(
            "\"{}\" has more than two decimals; amounts are in dollars and cents.",
            text.trim()
        ));
    }
    // Thousands separators: groups of three digits after the first group.
    let groups: Vec<&str> = whole.split(['.', ',']).collect();
    if groups.len() > 1
        && (groups[0].is_empty()
            || groups[0].len() > 3
            || groups[1..].iter().any(|group| group.len() != 3))
    {
        return Err(not_an_amount());
    }
    let whole: String = groups.concat();
    let too_large = || format!("\"{}\" is too large to be an amount.", text.trim());
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| too_large())?
    };
    let cents: i64 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().map_err(|_| not_an_amount())? * 10,
        _ => fraction.parse().map_err(|_| not_an_amount())?,
    };
    let minor = whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(cents))
        .filter(|minor| *minor <= MAX_AMOUNT_MINOR)
        .ok_or_else(too_large)?;
    Ok(if negative { -minor } else { minor })
}

/// Which number comes first in a date written with slashes or dots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DateOrder {
    /// `M/D/YYYY`, as US exports write it.
    MonthFirst,
    /// `D/M/YYYY` (or `D.M.YYYY`), as most of the world writes it.
    DayFirst,
}

/// Why a date could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateProblem {
    /// Both `M/D` and `D/M` give a real date: the user must say which the file uses.
    Ambiguous,
    Invalid(String),
}

/// The three numbers of a `a/b/yyyy` (or `a.b.yyyy`, `a-b-yyyy`) date, if it is one.
fn day_month_parts(date: &str) -> Option<(u32, u32, i32)> {
    let parts: Vec<&str> = date.split(['/', '.', '-']).collect();
    let [a, b, year] = parts.as_slice() else {
        return None;
    };
    if a.is_empty() || a.len() > 2 || b.is_empty() || b.len() > 2 {
        return None;
    }
    let year: i32 = match year.len() {
        4 => year.parse().ok()?,
        // Two-digit years are this century: exports of current pipelines.
        2 => 2000 + year.parse::<i32>().ok()?,
        _ => return None,
    };
    Some((a.parse().ok()?, b.parse().ok()?, year))
}

/// The date part of a value that may carry a time (`2024-03-05T10:00:00.000+0000`,
/// `3/5/2024 10:30 AM`); the time is dropped, dates are days.
fn date_part(text: &str) -> &str {
    let text = text.trim();
    let cut = text.find(['T', ' ']).unwrap_or(text.len());
    &text[..cut]
}

/// A day. ISO dates need no order; `a/b/yyyy` dates use `order`, and without one they are
/// read only when just one reading is a real date.
pub fn parse_date(text: &str, order: Option<DateOrder>) -> Result<NaiveDate, DateProblem> {
    let invalid = || DateProblem::Invalid(format!("\"{}\" is not a date.", text.trim()));
    let date = date_part(text);
    if let Ok(day) = NaiveDate::parse_from_str(date, "%Y-%m-%d") {
        return Ok(day);
    }
    if let Ok(at) = NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Ok(at.date());
    }
    let (a, b, year) = day_month_parts(date).ok_or_else(invalid)?;
    let month_first = NaiveDate::from_ymd_opt(year, a, b);
    let day_first = NaiveDate::from_ymd_opt(year, b, a);
    match (order, month_first, day_first) {
        (Some(DateOrder::MonthFirst), Some(day), _) | (Some(DateOrder::DayFirst), _, Some(day)) => {
            Ok(day)
        }
        (Some(_), _, _) | (None, None, None) => Err(invalid()),
        (None, Some(day), None) | (None, None, Some(day)) => Ok(day),
        (None, Some(first), Some(second)) if first == second => Ok(first),
        (None, Some(_), Some(_)) => Err(DateProblem::Ambiguous),
    }
}

/// The order a column's dates must be in, from the values that only one order can read:
/// `Ok(None)` when every value reads either way (the user is asked), an error when the
/// column mixes both.
pub fn column_date_order<'a>(
    values: impl IntoIterator<Item = &'a str>,
) -> Result<Option<DateOrder>, String> {
    let mut seen: Option<DateOrder> = None;
    for value in values {
        let Some((a, b, _)) = day_month_parts(date_part(value)) else {
            continue;
        };
        let this = match (a > 12, b > 12) {
            (true, false) => DateOrder::DayFirst,
            (false, true) => DateOrder::MonthFirst,
            _ => continue,
        };
        match seen {
            Some(order) if order != this => {
                return Err("This column mixes month-first and day-first dates.".into());
            }
            _ => seen = Some(this),
        }
    }
    Ok(seen)
}

/// Lowercase letters and digits only: how option values and headers are compared.
pub fn normalize(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The option a value names: its code, its label, or one of `synonyms` (other systems'
/// names), compared without case, spaces or punctuation. `None` when nothing matches (the
/// value-mapping step asks the user).
pub fn match_option<T: OptionSet>(text: &str, synonyms: &[(&str, T)]) -> Option<T> {
    let wanted = normalize(text);
    if wanted.is_empty() {
        return None;
    }
    T::all()
        .iter()
        .copied()
        .find(|option| normalize(option.code()) == wanted || normalize(option.label()) == wanted)
        .or_else(|| {
            synonyms
                .iter()
                .find(|(name, _)| normalize(name) == wanted)
                .map(|(_, option)| *option)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_the_ways_exports_write_them() {
        for (text, cents) in [
            ("1234.5", 123_450),
            ("$1,234.50", 123_450),
            ("1.234,50", 123_450),
            ("1 234,50", 123_450),
            ("USD 1,234", 123_400),
            ("1,234", 123_400),
            ("1.234", 123_400),
            ("1,5", 150),
            ("0.07", 7),
            ("-12", -1_200),
            ("(1,000.00)", -100_000),
            ("1651993.36", 165_199_336),
            ("1,234,567.89", 123_456_789),
            ("US Dollar 10", 1_000),
        ] {
            assert_eq!(parse_amount(text), Ok(cents), "{text}");
        }
    }

    #[test]
    fn what_is_not_an_amount_says_why() {
        for (text, why) in [
            ("", "is not an amount"),
            ("abc", "is not an amount"),
            ("12.345.6", "is not an amount"),
            ("1,23,4", "is not an amount"),
            ("1.2345", "more than two decimals"),
            ("1.234,50 €", "not in US dollars"),
            ("99999999999999999999", "too large"),
            ("2000000000000", "too large"),
            ("--5", "is not an amount"),
        ] {
            let error = parse_amount(text).unwrap_err();
            assert!(error.contains(why), "{text}: {error}");
        }
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn dates_with_and_without_times_and_orders() {
        use DateOrder::*;
        for (text, order, expected) in [
            ("2024-03-05", None, day(2024, 3, 5)),
            ("2024-01-19T09:42:24.000+0000", None, day(2024, 1, 19)),
            ("2024-03-05 10:00", None, day(2024, 3, 5)),
            ("3/5/2024", Some(MonthFirst), day(2024, 3, 5)),
            ("3/5/2024", Some(DayFirst), day(2024, 5, 3)),
            ("3/5/2024 10:30 AM", Some(MonthFirst), day(2024, 3, 5)),
            ("25/12/2024", None, day(2024, 12, 25)),
            ("12/25/2024", None, day(2024, 12, 25)),
            ("05.03.24", Some(DayFirst), day(2024, 3, 5)),
            ("7/7/2024", None, day(2024, 7, 7)),
        ] {
            assert_eq!(parse_date(text, order), Ok(expected), "{text}");
        }
        assert_eq!(parse_date("3/5/2024", None), Err(DateProblem::Ambiguous));
        for bad in ["31/31/2024", "2024-02-30", "yesterday", "1/2", "13/13/13"] {
            assert!(
                matches!(parse_date(bad, None), Err(DateProblem::Invalid(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            parse_date("25/12/2024", Some(MonthFirst)),
            Err(DateProblem::Invalid(_))
        ));
    }

    #[test]
    fn a_columns_order_comes_from_its_unambiguous_dates() {
        use DateOrder::*;
        assert_eq!(
            column_date_order(["3/5/2024", "25/5/2024"]),
            Ok(Some(DayFirst))
        );
        assert_eq!(
            column_date_order(["3/5/2024", "5/25/2024 9:00"]),
            Ok(Some(MonthFirst))
        );
        assert_eq!(column_date_order(["3/5/2024", "2024-01-01", ""]), Ok(None));
        assert!(column_date_order(["25/5/2024", "5/25/2024"]).is_err());
    }

    #[test]
    fn options_match_codes_labels_and_other_systems_names() {
        use crate::lead::{LeadSource, Rating};
        let synonyms = [
            ("Web Site", LeadSource::Web),
            ("Cold Call", LeadSource::Other),
        ];
        assert_eq!(match_option("web", &synonyms), Some(LeadSource::Web));
        assert_eq!(
            match_option("Trade Show", &synonyms),
            Some(LeadSource::TradeShow)
        );
        assert_eq!(
            match_option("trade_show", &synonyms),
            Some(LeadSource::TradeShow)
        );
        assert_eq!(match_option(" web-site ", &synonyms), Some(LeadSource::Web));
        assert_eq!(
            match_option("cold call", &synonyms),
            Some(LeadSource::Other)
        );
        assert_eq!(match_option("Carrier pigeon", &synonyms), None);
        assert_eq!(match_option("", &synonyms), None);
        assert_eq!(match_option::<Rating>("HOT", &[]), Some(Rating::Hot));
    }

    /// A million generated cells through every reader: none panics, and what reads as an
    /// amount reads the same after being written back in cents.
    #[test]
    fn a_million_generated_values_never_panic() {
        let alphabet: Vec<char> = "0123456789.,-$€() /:TAPM+e\u{a0}'".chars().collect();
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..1_000_000 {
            let length = (next() % 14) as usize;
            let text: String = (0..length)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            if let Ok(cents) = parse_amount(&text) {
                let written = format!(
                    "{}{}.{:02}",
                    if cents < 0 { "-" } else { "" },
                    cents.abs() / 100,
                    cents.abs() % 100
                );
                assert_eq!(parse_amount(&written), Ok(cents), "{text:?} → {written}");
            }
            let _ = parse_date(&text, None);
            let _ = parse_date(&text, Some(DateOrder::DayFirst));
            let _ = column_date_order([text.as_str()]);
        }
    }
}
