//! The content a `Transition` shows, kept alive until its replacement is on screen.
//!
//! A reload re-runs a `Transition`'s content, and leptos disposes of the reactive values the
//! previous content made (its signals, callbacks, render effects) at that moment. But the
//! `Transition` keeps that content on screen, and clickable, until the new content is
//! ready: a tap on it meanwhile (ticking the next stage step while the record reloads after
//! the last one, on a slow network) read a disposed value, and the WASM panicked, which left
//! the page dead. Content made through `shown` belongs to the `Transition` itself instead, and
//! is disposed of when the content that replaces it takes its place.

use leptos::prelude::*;
use leptos::tachys::reactive_graph::OwnedView;

/// Makes a `Transition`'s content (call it inside the `Suspend`, after the data arrived).
pub fn shown<V>(content: impl FnOnce() -> V) -> OwnedView<V> {
    // The Suspend runs under the owner of the Transition's render effect, which a reload
    // cleans up; its parent is the Transition's own owner, which lives as long as it does.
    let transition = Owner::current()
        .and_then(|run| run.parent())
        .unwrap_or_default();
    let owner = transition.child();
    // The view's state holds its owner: it is dropped, and its values disposed of, when the
    // view is replaced.
    OwnedView::new_with_owner(owner.with(content), owner)
}
