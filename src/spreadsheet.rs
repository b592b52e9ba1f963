//! Cells as spreadsheets read them. A cell that begins with `=`, `+`, `-` or `@` (or a tab
//! or carriage return before one) is a formula to Excel, LibreOffice and Google Sheets: an
//! exported lead named `=HYPERLINK(…)` would run when the file is opened. Exports prefix such
//! cells with an apostrophe, which spreadsheets show as text; imports drop it again, so a
//! file exported, edited and imported keeps the value.

use std::borrow::Cow;

fn starts_like_a_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// The cell as an export writes it.
pub fn safe_cell(text: &str) -> Cow<'_, str> {
    if starts_like_a_formula(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The value of a cell an export escaped (any other cell as it is).
pub fn unescape_cell(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if starts_like_a_formula(rest) => rest,
        _ => text,
    }
}

/// An amount in cents as a cell any spreadsheet and Leadflow's import read: `-1234.50`.
pub fn amount_cell(cents: i64) -> String {
    format!(
        "{}{}.{:02}",
        if cents < 0 { "-" } else { "" },
        (cents / 100).abs(),
        (cents % 100).abs()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_escaped_and_come_back() {
        for formula in [
            "=HYPERLINK(\"http://x\")",
            "+1+1",
            "-2",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ] {
            let cell = safe_cell(formula);
            assert!(cell.starts_with('\''), "{formula:?}");
            assert_eq!(unescape_cell(&cell), formula);
        }
        for text in ["Ann Lee", "", "a=b", "'quoted", "1-2"] {
            assert_eq!(safe_cell(text), text);
            assert_eq!(unescape_cell(text), text);
        }
    }
}
