//! List and board state in the URL. Each query struct (leads, opportunities, accounts and
//! contacts, the board, the dashboard) derives serde; serde_qs writes it into links and reads
//! it back from the address bar, the same encoding the server functions use for their
//! arguments. The field readers below keep a hand-edited URL harmless: a value that is
//! blank, unknown or malformed counts as missing and takes its default, never an error page.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// `path?query` for `state` (just `path` when nothing is set).
pub fn url<T: Serialize>(path: &str, state: &T) -> String {
    match serde_qs::to_string(state) {
        Ok(query) if !query.is_empty() => format!("{path}?{query}"),
        _ => path.to_string(),
    }
}

/// The query string of `state` (no `?`): what a dynamic list or "all matching" saves.
pub fn query_string<T: Serialize>(state: &T) -> String {
    serde_qs::to_string(state).unwrap_or_default()
}

/// The state a URL's query string (with or without its `?`) holds; the default when it
/// holds nothing readable.
pub fn read<T: DeserializeOwned + Default>(query: &str) -> T {
    serde_qs::from_str(query.trim_start_matches('?')).unwrap_or_default()
}

/// How many filters `state` sets: its query parameters other than the view, the sort and
/// the page (the "Filters (2)" button of a folded filter form on a phone).
pub fn active_filters<T: Serialize>(state: &T) -> usize {
    const NOT_FILTERS: [&str; 4] = ["view", "sort", "dir", "page"];
    serde_qs::to_string(state)
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(key, value)| !value.is_empty() && !NOT_FILTERS.contains(key))
        .count()
}

/// Record ids in a URL, `4.9.12` (a list view's chosen rows, for "Export selected").
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdList(pub Vec<i64>);

impl std::str::FromStr for IdList {
    type Err = std::num::ParseIntError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.split('.')
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map(IdList)
    }
}

impl TryFrom<String> for IdList {
    type Error = std::num::ParseIntError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<IdList> for String {
    fn from(ids: IdList) -> String {
        ids.0
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// Field readers and writers for `#[serde(deserialize_with, serialize_with)]`.
pub mod field {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::str::FromStr;

    /// A trimmed value; blank, malformed or unknown is missing.
    pub fn optional<'de, D: Deserializer<'de>, T: FromStr>(
        deserializer: D,
    ) -> Result<Option<T>, D::Error> {
        let text = Option::<String>::deserialize(deserializer)?;
        Ok(text.and_then(|text| {
            let text = text.trim();
            if text.is_empty() {
                None
            } else {
                text.parse().ok()
            }
        }))
    }

    /// A value that falls back to its type's default.
    pub fn or_default<'de, D: Deserializer<'de>, T: FromStr + Default>(
        deserializer: D,
    ) -> Result<T, D::Error> {
        optional(deserializer).map(Option::unwrap_or_default)
    }

    /// A day, `YYYY-MM-DD`; anything else is missing.
    pub fn day<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
        let day: Option<chrono::NaiveDate> = optional(deserializer)?;
        Ok(day.map(|day| day.format("%Y-%m-%d").to_string()))
    }

    /// A page number: 1 unless the URL says a positive number.
    pub fn page<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
        let page: Option<i64> = optional(deserializer)?;
        Ok(page.filter(|page| *page >= 1).unwrap_or(1))
    }

    /// Page 1 is left out of URLs.
    pub fn is_first_page(page: &i64) -> bool {
        *page == 1
    }

    /// Defaults are left out of URLs, so links stay short.
    pub fn is_default<T: Default + PartialEq>(value: &T) -> bool {
        *value == T::default()
    }

    /// Sort order as `dir=asc|desc` (`true`/`false` are read too, as older links and
    /// server-function callers write them).
    pub fn descending<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
        let text: Option<String> = optional(deserializer)?;
        Ok(matches!(text.as_deref(), Some("desc" | "true")))
    }

    pub fn direction<S: Serializer>(descending: &bool, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(if *descending { "desc" } else { "asc" })
    }

    /// A sort order that may be left to the list's default (missing or unreadable: `None`).
    pub fn optional_descending<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<bool>, D::Error> {
        let text: Option<String> = optional(deserializer)?;
        Ok(match text.as_deref() {
            Some("desc" | "true") => Some(true),
            Some("asc" | "false") => Some(false),
            _ => None,
        })
    }

    pub fn optional_direction<S: Serializer>(
        descending: &Option<bool>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match descending {
            Some(descending) => direction(descending, serializer),
            None => serializer.serialize_none(),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    /// The strings a search box meets that URL encoders get wrong.
    pub(crate) const AWKWARD: [&str; 10] = [
        "Blue & Co",
        "a=b",
        "C++ + Rust",
        "100% sure",
        "%2B already encoded",
        "#hashtag",
        "Größe 日本 😀",
        "it's \"quoted\"",
        "/path?x=1",
        "tab\tand;semi",
    ];

    /// The query string of a URL as the browser's address bar carries it.
    pub(crate) fn query_of(url: &str) -> &str {
        url.split_once('?').map_or("", |(_, query)| query)
    }

    #[test]
    fn chosen_ids_survive_the_url_and_garbage_is_ignored() {
        use crate::lead::LeadQuery;
        let query = LeadQuery {
            ids: Some(super::IdList(vec![4, 9, 12])),
            ..LeadQuery::default()
        };
        let url = query.to_url();
        assert!(url.contains("ids=4.9.12"), "{url}");
        assert_eq!(super::read::<LeadQuery>(query_of(&url)), query);
        assert_eq!(super::read::<LeadQuery>("ids=4.x.12").ids, None);
    }

    #[test]
    fn active_filters_count_what_narrows_the_list_not_the_view_sort_or_page() {
        use crate::lead::{LeadQuery, LeadSort, LeadView, Rating};
        let none = LeadQuery {
            view: LeadView::Closed,
            sort: LeadSort::Name,
            descending: true,
            page: 3,
            ..Default::default()
        };
        assert_eq!(super::active_filters(&none), 0);
        let two = LeadQuery {
            search: Some("Blue & Co".into()),
            rating: Some(Rating::Hot),
            ..none
        };
        assert_eq!(super::active_filters(&two), 2);
    }
}
