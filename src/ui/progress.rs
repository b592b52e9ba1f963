//! Long work's progress: a bar with what it has done in words, and the ticker that makes a
//! page's progress resource ask the server again while the work runs.

use leptos::prelude::*;
use std::time::Duration;

/// A signal that counts up every `every` while `active` says so (in the browser only), for
/// resources that poll.
pub fn ticker(every: Duration, active: Signal<bool>) -> ReadSignal<u64> {
    let (tick, set_tick) = signal(0_u64);
    Effect::new(move |previous: Option<Option<IntervalHandle>>| {
        if let Some(Some(handle)) = previous {
            handle.clear();
        }
        active
            .get()
            .then(|| set_interval_with_handle(move || set_tick.update(|n| *n += 1), every).ok())
            .flatten()
    });
    tick
}

/// What the server says now, asked again every `every` while `active` says so (signals
/// `fetch` reads are followed too); nothing until the first answer. Only the browser asks (a
/// `LocalResource`), so an island's server render and its hydration agree: both start with
/// nothing.
pub fn polled<T, Fut>(
    every: Duration,
    active: Signal<bool>,
    fetch: impl Fn() -> Fut + 'static,
) -> Polled<T>
where
    T: 'static,
    Fut: Future<Output = T> + 'static,
{
    let tick = ticker(every, active);
    Polled(LocalResource::new(move || {
        tick.track();
        fetch()
    }))
}

/// The last answer of a `polled` question.
pub struct Polled<T: 'static>(LocalResource<T>);

impl<T: 'static> Clone for Polled<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: 'static> Copy for Polled<T> {}

impl<T: Clone + 'static> Polled<T> {
    /// The last answer (tracked). Never one on the server, which does not ask: reading it
    /// there would only wake the page's `Suspense` for nothing.
    pub fn get(&self) -> Option<T> {
        if cfg!(feature = "hydrate") {
            self.0.get()
        } else {
            None
        }
    }
}

/// Done in percent, 0–100 (0 of nothing is 0).
pub fn percent(done: u64, total: u64) -> u64 {
    (done * 100).checked_div(total).unwrap_or(0).min(100)
}

/// A progress bar named `label`, with "42% · `text`" beside it.
#[component]
pub fn ProgressMeter(label: String, done: u64, total: u64, text: String) -> AnyView {
    view! {
        <div class="progress-meter">
            <progress max=total.max(1) value=done aria-label=label></progress>
            <span>{format!("{}% · {text}", percent(done, total))}</span>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::percent;

    #[test]
    fn percent_is_whole_and_capped() {
        assert_eq!(percent(0, 0), 0);
        assert_eq!(percent(1, 3), 33);
        assert_eq!(percent(2, 3), 66);
        assert_eq!(percent(5, 4), 100);
    }
}
