use serde::{Deserialize, Serialize};
use std::fmt;

/// A win probability in whole percent, 0 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Probability(u8);

impl Probability {
    pub fn new(percent: i64) -> Result<Self, &'static str> {
        u8::try_from(percent)
            .ok()
            .filter(|p| *p <= 100)
            .map(Probability)
            .ok_or("Probability must be a whole number from 0 to 100.")
    }

    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let trimmed = input.trim().trim_end_matches('%').trim();
        trimmed
            .parse::<i64>()
            .map_err(|_| "Probability must be a whole number from 0 to 100.")
            .and_then(Probability::new)
    }

    pub fn percent(self) -> u8 {
        self.0
    }
}

impl TryFrom<i64> for Probability {
    type Error = &'static str;
    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Probability::new(value)
    }
}

impl From<Probability> for i64 {
    fn from(value: Probability) -> Self {
        i64::from(value.0)
    }
}

impl fmt::Display for Probability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_whole_range() {
        assert_eq!(Probability::new(0).unwrap().percent(), 0);
        assert_eq!(Probability::new(100).unwrap().percent(), 100);
        assert_eq!(Probability::parse(" 35 % ").unwrap().percent(), 35);
        assert_eq!(Probability::new(80).unwrap().to_string(), "80%");
    }

    #[test]
    fn rejects_out_of_range_and_non_numbers() {
        assert!(Probability::new(-1).is_err());
        assert!(Probability::new(101).is_err());
        assert!(Probability::new(i64::MAX).is_err());
        assert!(Probability::parse("12.5").is_err());
        assert!(Probability::parse("lots").is_err());
        assert!(serde_json::from_str::<Probability>("150").is_err());
    }
}
