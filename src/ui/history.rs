use crate::history::HistoryEntry;
use leptos::prelude::*;

/// A record's History table: who changed which field when, from what to what.
#[component]
pub fn History(
    entries: Vec<HistoryEntry>,
    label: fn(&str) -> &str,
    caption: &'static str,
) -> impl IntoView {
    let rows = entries
        .into_iter()
        .map(|entry| {
            let change = match (entry.old_value, entry.new_value) {
                (Some(old), Some(new)) => format!("{old} → {new}"),
                (None, Some(new)) => new,
                (Some(old), None) => format!("{old} → (empty)"),
                (None, None) => String::new(),
            };
            view! {
                <tr>
                    <td data-label="When">{super::short_time(&entry.changed_at)}</td>
                    <td data-label="Who">{entry.changed_by}</td>
                    <td data-label="Field">{label(&entry.field).to_string()}</td>
                    <td data-label="Change">{change}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="history-title">
            <h2 id="history-title">"History"</h2>
            <table class="data-table">
                <caption class="visually-hidden">{caption}</caption>
                <thead><tr><th scope="col">"When (UTC)"</th><th scope="col">"Who"</th><th scope="col">"Field"</th><th scope="col">"Change"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}
