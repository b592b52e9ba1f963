use serde::{Deserialize, Serialize};
use std::fmt;

/// An ISO 4217 currency code: three upper-case ASCII letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    pub const USD: Currency = Currency(*b"USD");

    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let code = input.trim().to_ascii_uppercase();
        match code.as_bytes() {
            [a, b, c] if code.bytes().all(|byte| byte.is_ascii_uppercase()) => {
                Ok(Currency([*a, *b, *c]))
            }
            _ => Err("Currency must be a three-letter code such as USD or EUR."),
        }
    }

    pub fn code(&self) -> &str {
        // Only ASCII upper-case letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// Minor units per major unit. Every currency Leadflow handles today has two decimals
    /// except these common zero-decimal ones.
    pub fn minor_digits(&self) -> u32 {
        match self.code() {
            "JPY" | "KRW" | "VND" | "CLP" | "ISK" => 0,
            _ => 2,
        }
    }
}

impl TryFrom<String> for Currency {
    type Error = &'static str;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Currency::parse(&value)
    }
}

impl From<Currency> for String {
    fn from(value: Currency) -> Self {
        value.code().to_string()
    }
}

/// An exact amount of money: integer minor units (cents) and a currency. Never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

const AMOUNT_ERROR: &str = "Enter an amount such as 1200 or 1,200.50.";

impl Money {
    pub fn from_minor(minor: i64, currency: Currency) -> Self {
        Money { minor, currency }
    }

    /// Parses a typed amount ("12,500.5", "$ 300", "-20") exactly, without floating point.
    /// Thousands separators (`,` or spaces) and a leading currency symbol are tolerated.
    pub fn parse(input: &str, currency: Currency) -> Result<Self, &'static str> {
        let cleaned: String = input
            .trim()
            .trim_start_matches(['$', '€', '£'])
            .chars()
            .filter(|c| *c != ',' && !c.is_whitespace())
            .collect();
        let (negative, digits) = match cleaned.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, cleaned.as_str()),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let scale = currency.minor_digits() as usize;
        let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if whole.is_empty() && fraction.is_empty()
            || !all_digits(whole)
            || !all_digits(fraction)
            || fraction.len() > scale
        {
            return Err(AMOUNT_ERROR);
        }
        let whole_value: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| AMOUNT_ERROR)?
        };
        let fraction_value: i64 = if fraction.is_empty() {
            0
        } else {
            format!("{fraction:0<scale$}")
                .parse()
                .map_err(|_| AMOUNT_ERROR)?
        };
        let minor = whole_value
            .checked_mul(10_i64.pow(scale as u32))
            .and_then(|v| v.checked_add(fraction_value))
            .ok_or("That amount is too large.")?;
        Ok(Money {
            minor: if negative { -minor } else { minor },
            currency,
        })
    }

    /// The amount as typed in a form: "12500.50" (no currency, no grouping).
    pub fn amount_text(&self) -> String {
        let scale = self.currency.minor_digits();
        let divisor = 10_u64.pow(scale);
        let absolute = self.minor.unsigned_abs();
        let sign = if self.minor < 0 { "-" } else { "" };
        if scale == 0 {
            format!("{sign}{absolute}")
        } else {
            format!(
                "{sign}{}.{:0width$}",
                absolute / divisor,
                absolute % divisor,
                width = scale as usize
            )
        }
    }

    pub fn is_negative(&self) -> bool {
        self.minor < 0
    }

    /// Adds two amounts of the same currency; `None` for mixed currencies or overflow.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        (self.currency == other.currency)
            .then(|| self.minor.checked_add(other.minor))
            .flatten()
            .map(|minor| Money { minor, ..self })
    }

    /// `percent` of this amount, rounded half away from zero to the minor unit.
    pub fn percent_of(self, percent: u8) -> Money {
        let scaled = i128::from(self.minor) * i128::from(percent);
        let rounded = (scaled + scaled.signum() * 50) / 100;
        Money {
            minor: rounded as i64,
            ..self
        }
    }
}

impl fmt::Display for Money {
    /// "USD 12,500.50": grouped thousands, exact minor digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scale = self.currency.minor_digits();
        let divisor = 10_u64.pow(scale);
        let absolute = self.minor.unsigned_abs();
        let whole = (absolute / divisor).to_string();
        let mut grouped = String::new();
        for (index, digit) in whole.chars().enumerate() {
            if index > 0 && (whole.len() - index).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        let sign = if self.minor < 0 { "-" } else { "" };
        write!(f, "{} {sign}{grouped}", self.currency.code())?;
        if scale > 0 {
            write!(f, ".{:0width$}", absolute % divisor, width = scale as usize)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(input: &str) -> Result<Money, &'static str> {
        Money::parse(input, Currency::USD)
    }

    #[test]
    fn parses_exactly_without_floats() {
        assert_eq!(usd("12,500.5").unwrap().minor, 1_250_050);
        assert_eq!(usd("$ 300").unwrap().minor, 30_000);
        assert_eq!(usd("0.07").unwrap().minor, 7);
        assert_eq!(usd(".5").unwrap().minor, 50);
        assert_eq!(usd("-20").unwrap().minor, -2_000);
        // 0.1 + 0.2 is exact here.
        let sum = usd("0.1")
            .unwrap()
            .checked_add(usd("0.2").unwrap())
            .unwrap();
        assert_eq!(sum, usd("0.3").unwrap());
    }

    #[test]
    fn rejects_bad_amounts() {
        for bad in ["", "abc", "1.234", "1.2.3", "12a", "-", "."] {
            assert!(usd(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(usd("99999999999999999999").is_err());
    }

    #[test]
    fn respects_zero_decimal_currencies() {
        let yen = Currency::parse("jpy").unwrap();
        assert_eq!(Money::parse("1500", yen).unwrap().minor, 1500);
        assert!(Money::parse("15.5", yen).is_err());
        assert_eq!(
            Money::from_minor(1_500_000, yen).to_string(),
            "JPY 1,500,000"
        );
    }

    #[test]
    fn formats_with_grouping_and_sign() {
        assert_eq!(usd("1234567.8").unwrap().to_string(), "USD 1,234,567.80");
        assert_eq!(usd("-0.05").unwrap().to_string(), "USD -0.05");
        assert_eq!(usd("999").unwrap().to_string(), "USD 999.00");
    }

    #[test]
    fn mixed_currencies_do_not_add() {
        let eur = Money::parse("1", Currency::parse("EUR").unwrap()).unwrap();
        assert_eq!(usd("1").unwrap().checked_add(eur), None);
    }

    #[test]
    fn weighted_amounts_round_half_away_from_zero() {
        assert_eq!(usd("0.05").unwrap().percent_of(50).minor, 3);
        assert_eq!(usd("-0.05").unwrap().percent_of(50).minor, -3);
        assert_eq!(usd("1000").unwrap().percent_of(25).minor, 25_000);
    }

    #[test]
    fn currency_codes_are_validated() {
        assert_eq!(Currency::parse(" eur ").unwrap().code(), "EUR");
        assert!(Currency::parse("EURO").is_err());
        assert!(Currency::parse("E1R").is_err());
        assert!(serde_json::from_str::<Currency>("\"US\"").is_err());
    }
}
