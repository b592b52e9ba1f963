//! The resources pages load their data with. They run on the server: outside islands
//! nothing is hydrated, so the browser never receives them (islands take their data as
//! props).

use leptos::prelude::*;
use serde::{Serialize, de::DeserializeOwned};

/// A resource loaded with a server function (or several).
pub type Fetched<T> = Resource<T>;

/// `Resource::new` that reloads when `source` changes. (A blocking one, which the page's
/// response waits for, is `Fetched::new_with_options(source, fetcher, true)`.)
#[track_caller]
pub fn fetched<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Fetched<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: Send + Sync + Clone + PartialEq + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}
