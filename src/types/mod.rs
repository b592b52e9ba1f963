//! Validated value types used at the boundary: a value of one of these types is known good.

mod email;
mod money;
pub mod normalize;
mod probability;

pub use email::Email;
pub use money::{Currency, Money};
pub use probability::Probability;
