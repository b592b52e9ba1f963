//! The comparable forms of names and phone numbers used for duplicate matching and search.

/// Trimmed, lower-cased, inner whitespace collapsed: "  ACME   Corp " → "acme corp".
pub fn normalize_name(input: &str) -> Option<String> {
    let words: Vec<String> = input.split_whitespace().map(str::to_lowercase).collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// The digits of a phone number, when there are enough (7+) to identify one.
pub fn phone_digits(input: &str) -> Option<String> {
    let digits: String = input.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 7).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_case_and_space_insensitively() {
        assert_eq!(
            normalize_name("  ACME   Corp ").as_deref(),
            Some("acme corp")
        );
        assert_eq!(normalize_name("   "), None);
    }

    #[test]
    fn phones_keep_digits_only() {
        assert_eq!(
            phone_digits("+1 (425) 555-0100").as_deref(),
            Some("14255550100")
        );
        assert_eq!(phone_digits("ext 12"), None);
    }
}
