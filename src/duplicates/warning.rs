//! The warning a save shows when it stopped at likely duplicates.

use super::DuplicateMatch;
use leptos::prelude::*;

/// Each match opens in a new tab (so nothing typed in the form is lost), and "Save anyway"
/// submits the same form again with `save_anyway`.
#[component]
pub fn PossibleDuplicates(matches: Vec<DuplicateMatch>) -> impl IntoView {
    let items = matches
        .into_iter()
        .map(|m| {
            let reasons = m.reasons_text();
            view! {
                <li>
                    <a href=m.kind.url(m.id) target="_blank" rel="noopener">
                        {format!("{} {}", m.kind.label(), m.title)}
                    </a>
                    {m.detail.map(|detail| view! { <span class="muted">{format!(" · {detail}")}</span> })}
                    <span class="match-reasons">{format!(" — {reasons}")}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="duplicate-warning" role="alert" aria-labelledby="duplicates-title">
            <h2 id="duplicates-title">"Possible duplicates"</h2>
            <p>"These records look like the same person or company. Open one to check (it opens in a new tab), or save anyway."</p>
            <ul>{items}</ul>
            <button type="submit" class="button secondary" name="save_anyway" value="true">"Save anyway"</button>
        </section>
    }
}
