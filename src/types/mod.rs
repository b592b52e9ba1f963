//! Validated value types used at the boundary: a value of one of these types is known good.

mod email;
mod money;
pub mod normalize;
mod probability;
pub mod text;

pub use email::Email;
pub use money::{Currency, Money};
pub use probability::Probability;

/// A link to a related record: its id and what users call it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RecordLink {
    pub id: i64,
    pub name: String,
}

impl RecordLink {
    /// Both parts of a link read from optional columns (a missing id: no link).
    pub fn from_columns(id: Option<i64>, name: Option<String>) -> Option<RecordLink> {
        Some(RecordLink {
            id: id?,
            name: name.unwrap_or_default(),
        })
    }
}
