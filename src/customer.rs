//! Potential customers: the accounts and contacts an opportunity is for. A picker searches
//! them by name and keeps the chosen one in a hidden form field.

use crate::error::AppError;
use crate::option_set;
use crate::types::RecordLink;
use leptos::prelude::*;

option_set!(
    /// What a picker chooses.
    CustomerKind {
        Account => "account", "account",
        Contact => "contact", "contact",
    }
);

impl CustomerKind {
    fn path(self) -> &'static str {
        match self {
            CustomerKind::Account => "accounts",
            CustomerKind::Contact => "contacts",
        }
    }
}

/// Matches shown by a picker.
pub const PICKER_MATCHES: i64 = 8;

/// Active accounts or contacts whose name contains `search` (at least two characters).
#[server(endpoint = "customers/search")]
pub async fn search_customers(
    kind: CustomerKind,
    search: String,
) -> Result<Vec<RecordLink>, AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            current_user().await?;
            Ok(db::search(&state()?.pool, kind, &search).await?)
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
pub mod db {
    use super::{CustomerKind, PICKER_MATCHES};
    use crate::types::RecordLink;
    use crate::types::normalize::normalize_name;
    use sqlx::SqlitePool;

    pub async fn search(
        pool: &SqlitePool,
        kind: CustomerKind,
        search: &str,
    ) -> Result<Vec<RecordLink>, sqlx::Error> {
        let Some(term) = normalize_name(search).filter(|t| t.chars().count() >= 2) else {
            return Ok(vec![]);
        };
        // Names starting with the term first, then the rest alphabetically.
        let sql = match kind {
            CustomerKind::Account => {
                "SELECT id, name FROM accounts WHERE active = 1 AND instr(name_normalized, ?1) > 0 \
                 ORDER BY instr(name_normalized, ?1) > 1, name_normalized LIMIT ?2"
            }
            CustomerKind::Contact => {
                "SELECT c.id, TRIM(COALESCE(c.first_name || ' ', '') || c.last_name) \
                 || COALESCE(' (' || a.name || ')', '') FROM contacts c \
                 LEFT JOIN accounts a ON a.id = c.account_id \
                 WHERE c.active = 1 AND instr(lower(COALESCE(c.first_name || ' ', '') || c.last_name), ?1) > 0 \
                 ORDER BY c.last_name_normalized, c.first_name LIMIT ?2"
            }
        };
        let rows: Vec<(i64, String)> = sqlx::query_as(sql)
            .bind(term)
            .bind(PICKER_MATCHES)
            .fetch_all(pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name)| RecordLink { id, name })
            .collect())
    }

    /// The name of an active account or contact, or `None` when there is none.
    pub async fn active_name(
        conn: &mut sqlx::SqliteConnection,
        kind: CustomerKind,
        id: i64,
    ) -> Result<Option<String>, sqlx::Error> {
        let sql = match kind {
            CustomerKind::Account => "SELECT name FROM accounts WHERE id = ? AND active = 1",
            CustomerKind::Contact => {
                "SELECT TRIM(COALESCE(first_name || ' ', '') || last_name) FROM contacts \
                 WHERE id = ? AND active = 1"
            }
        };
        sqlx::query_scalar(sql).bind(id).fetch_optional(conn).await
    }
}

/// A search-and-choose field for an account or contact. The choice travels in the hidden
/// input `name` (empty: none). An island: the one part of its form the browser runs.
#[island]
pub fn CustomerPicker(
    kind: CustomerKind,
    /// The form field's name, e.g. `opportunity[account_id]`.
    name: String,
    label: String,
    /// The choice as the page opened.
    chosen: Option<RecordLink>,
    disabled: bool,
    /// Describes the field (the id of its error message).
    described_by: String,
) -> impl IntoView {
    let chosen = RwSignal::new(chosen);
    let id = format!("picker-{}", name.replace(['[', ']'], "-"));
    let term = RwSignal::new(String::new());
    // Matches arrive from a task: only the answer to what is typed now counts.
    let found = RwSignal::new(Vec::<RecordLink>::new());
    let search = move |text: String| {
        term.set(text.clone());
        if text.trim().chars().count() < 2 {
            found.set(vec![]);
            return;
        }
        leptos::task::spawn_local(async move {
            let matches = search_customers(kind, text.clone())
                .await
                .unwrap_or_default();
            // Only the answer to what is typed now counts (and only while the picker lives).
            if term.try_get_untracked().as_ref() == Some(&text) {
                found.try_set(matches);
            }
        });
    };
    let noun = kind.label();
    view! {
        <div class="field picker">
            <label for=id.clone()>{label}</label>
            <input type="hidden" name=name value=move || chosen.get().map(|c| c.id.to_string()).unwrap_or_default() />
            {move || chosen.get().map(|c| view! {
                <p class="picker-chosen">
                    <a href=format!("/{}/{}", kind.path(), c.id)>{c.name.clone()}</a>
                    {(!disabled).then(|| view! {
                        <button type="button" class="button link" on:click=move |_| chosen.set(None)>
                            {format!("Remove {noun} {}", c.name)}
                        </button>
                    })}
                </p>
            })}
            {(!disabled).then(|| view! {
                <input id=id type="search" autocomplete="off" placeholder=format!("Search by {noun} name")
                    aria-describedby=described_by
                    prop:value=move || term.get()
                    on:input=move |event| search(event_target_value(&event)) />
                {move || {
                    let matches = found.get();
                    (!matches.is_empty()).then(|| view! {
                        <ul class="picker-matches" aria-label=format!("Matching {noun}s")>
                            {matches.into_iter().map(|record| {
                                let text = format!("Choose {}", record.name);
                                view! {
                                    <li><button type="button" class="button secondary" on:click=move |_| {
                                        chosen.set(Some(record.clone()));
                                        term.set(String::new());
                                        found.set(vec![]);
                                    }>{text}</button></li>
                                }
                            }).collect_view()}
                        </ul>
                    })
                }}
            })}
        </div>
    }
    .into_any()
}
