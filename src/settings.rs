//! Admin settings: the lost reasons Close as Lost offers (beyond the built-in Canceled,
//! Out-Sold and Other) and the competitors opportunities name. Entries are deactivated,
//! never deleted: closed opportunities keep pointing at them.

use crate::auth::Role;
use crate::error::AppError;
use crate::ui::ErrorPage;
use crate::ui::enhance::{FieldMessage, FormMessage, ServerForm};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

/// One entry of a settings list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Entry {
    pub id: i64,
    pub name: String,
    /// Built in: always offered.
    pub is_system: bool,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub lost_reasons: Vec<Entry>,
    pub competitors: Vec<Entry>,
}

/// The two lists an admin maintains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ListKind {
    LostReasons,
    Competitors,
}

/// The longest name a lost reason or competitor may have.
pub const NAME_MAX: usize = 80;

/// A name for a new entry: trimmed, inner spaces collapsed, 1 to NAME_MAX characters.
pub fn validate_name(name: &str) -> Result<String, AppError> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(AppError::field("name", "Enter a name."));
    }
    if name.chars().count() > NAME_MAX {
        return Err(AppError::field(
            "name",
            format!("Keep it under {NAME_MAX} characters."),
        ));
    }
    Ok(name)
}

#[server(endpoint = "settings/list")]
pub async fn list_settings() -> Result<Settings, AppError> {
    use crate::server::{guard::state, require_role, respond};
    respond(
        async {
            require_role(Role::Admin).await?;
            Ok(db::load(&state()?.pool).await?)
        }
        .await,
    )
}

#[server(endpoint = "settings/add")]
pub async fn add_setting(kind: ListKind, name: String) -> Result<(), AppError> {
    use crate::server::{guard::state, require_role, respond};
    respond(
        async {
            require_role(Role::Admin).await?;
            let name = validate_name(&name)?;
            db::add(&state()?.pool, kind, &name).await
        }
        .await,
    )
}

#[server(endpoint = "settings/set-active")]
pub async fn set_setting_active(kind: ListKind, id: i64, active: bool) -> Result<(), AppError> {
    use crate::server::{guard::state, require_role, respond};
    respond(
        async {
            require_role(Role::Admin).await?;
            db::set_active(&state()?.pool, kind, id, active).await
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
pub mod db {
    use super::{ListKind, Settings};
    use crate::error::AppError;
    use sqlx::SqlitePool;

    pub async fn load(pool: &SqlitePool) -> Result<Settings, sqlx::Error> {
        let lost_reasons = sqlx::query_as(
            "SELECT id, label AS name, is_system, active FROM lost_reasons \
             ORDER BY is_system DESC, label COLLATE NOCASE",
        )
        .fetch_all(pool)
        .await?;
        let competitors = sqlx::query_as(
            "SELECT id, name, 0 AS is_system, active FROM competitors ORDER BY name COLLATE NOCASE",
        )
        .fetch_all(pool)
        .await?;
        Ok(Settings {
            lost_reasons,
            competitors,
        })
    }

    pub async fn add(pool: &SqlitePool, kind: ListKind, name: &str) -> Result<(), AppError> {
        let taken = || AppError::field("name", format!("\"{name}\" is already on the list."));
        match kind {
            ListKind::LostReasons => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let exists: bool = sqlx::query_scalar(
                    "SELECT EXISTS (SELECT 1 FROM lost_reasons WHERE label = ? COLLATE NOCASE)",
                )
                .bind(name)
                .fetch_one(&mut *tx)
                .await?;
                if exists {
                    return Err(taken());
                }
                // The code only has to be unique and stable: the next number will do.
                let next: i64 =
                    sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM lost_reasons")
                        .fetch_one(&mut *tx)
                        .await?;
                sqlx::query("INSERT INTO lost_reasons (code, label) VALUES (?, ?)")
                    .bind(format!("custom_{next}"))
                    .bind(name)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
            ListKind::Competitors => {
                // The name column is UNIQUE COLLATE NOCASE.
                sqlx::query("INSERT INTO competitors (name) VALUES (?)")
                    .bind(name)
                    .execute(pool)
                    .await
                    .map_err(|error| match AppError::from(error) {
                        AppError::Validation(_) => taken(),
                        other => other,
                    })?;
            }
        }
        Ok(())
    }

    pub async fn set_active(
        pool: &SqlitePool,
        kind: ListKind,
        id: i64,
        active: bool,
    ) -> Result<(), AppError> {
        let sql = match kind {
            ListKind::LostReasons => {
                let is_system: Option<bool> =
                    sqlx::query_scalar("SELECT is_system FROM lost_reasons WHERE id = ?")
                        .bind(id)
                        .fetch_optional(pool)
                        .await?;
                match is_system {
                    None => return Err(AppError::NotFound("This lost reason".into())),
                    Some(true) => {
                        return Err(AppError::Conflict {
                            message:
                                "Canceled, Out-Sold and Other are built in and always offered."
                                    .into(),
                            changed_fields: vec![],
                        });
                    }
                    Some(false) => "UPDATE lost_reasons SET active = ? WHERE id = ?",
                }
            }
            ListKind::Competitors => "UPDATE competitors SET active = ? WHERE id = ?",
        };
        let updated = sqlx::query(sql)
            .bind(active)
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected();
        if updated == 0 {
            return Err(AppError::NotFound("This entry".into()));
        }
        Ok(())
    }
}

/// Lost reasons and competitors, rendered on the server; each form is sent in place by
/// `ui::enhance`, and a change loads the page again.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let user = crate::app::use_signed_in_user();
    let settings = crate::ui::fetched(|| (), |_| list_settings());
    view! {
        <Title text="Settings" />
        <section class="page">
            <header class="page-header">
                <h1>"Settings"</h1>
                <a class="button secondary" href="/settings/forms">"Web forms"</a>
                <a class="button secondary" href="/settings/processes">"Sales processes"</a>
                <a class="button secondary" href="/settings/scoring">"Lead scoring"</a>
            </header>
            <Suspense>
                {move || Suspend::new(async move {
                    if !user.await.is_ok_and(|user| user.role.includes(Role::Admin)) {
                        return view! { <ErrorPage message=AppError::Forbidden.to_string() /> }.into_any();
                    }
                    match settings.await {
                        Ok(settings) => view! {
                            <SettingsList kind=ListKind::LostReasons title="Lost reasons"
                                about="Close as Lost offers these besides the built-in ones."
                                entries=settings.lost_reasons />
                            <SettingsList kind=ListKind::Competitors title="Competitors"
                                about="Opportunities name these as competitors, and Out-Sold names the winner."
                                entries=settings.competitors />
                        }.into_any(),
                        Err(error) => view! { <ErrorPage message=error.to_string() /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn SettingsList(
    kind: ListKind,
    title: &'static str,
    about: &'static str,
    entries: Vec<Entry>,
) -> impl IntoView {
    let slug = match kind {
        ListKind::LostReasons => "lost-reasons",
        ListKind::Competitors => "competitors",
    };
    // The list's name as the server function reads it.
    let kind_value = match kind {
        ListKind::LostReasons => "LostReasons",
        ListKind::Competitors => "Competitors",
    };
    let heading_id = format!("{slug}-title");
    let labelled_by = heading_id.clone();
    let input_id = format!("{slug}-name");
    let error_id = format!("{slug}-name-error");
    let rows = entries
        .into_iter()
        .map(|entry| {
            let Entry {
                id,
                name,
                is_system,
                active,
            } = entry;
            let state = match (is_system, active) {
                (true, _) => "Built in",
                (false, true) => "Offered",
                (false, false) => "Inactive",
            };
            let action = (!is_system).then(|| {
                let label = if active {
                    format!("Deactivate {name}")
                } else {
                    format!("Reactivate {name}")
                };
                view! {
                    <ServerForm action={<SetSettingActive as ServerFn>::PATH} reload=true>
                        <input type="hidden" name="kind" value=kind_value />
                        <input type="hidden" name="id" value=id />
                        <input type="hidden" name="active" value=(!active).to_string() />
                        <button type="submit" class="button link">{label}</button>
                        <FormMessage />
                    </ServerForm>
                }
            });
            view! { <li><span>{name}</span>" · "<span class="muted">{state}</span>{action}</li> }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby=labelled_by>
            <h2 id=heading_id>{title}</h2>
            <p class="muted">{about}</p>
            <ul class="plain-list" aria-label=title>{rows}</ul>
            <ServerForm action={<AddSetting as ServerFn>::PATH} done="Added." reload=true>
                <input type="hidden" name="kind" value=kind_value />
                <div class="field">
                    <label for=input_id.clone()>{format!("New {}", title.to_lowercase().trim_end_matches('s'))}</label>
                    <input id=input_id name="name" autocomplete="off" aria-describedby=error_id.clone() />
                    <FieldMessage field="name" id=error_id />
                </div>
                <FormMessage />
                <button type="submit" class="button secondary">{format!("Add to {}", title.to_lowercase())}</button>
            </ServerForm>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_tidied_and_bounded() {
        assert_eq!(validate_name("  Budget   cut ").unwrap(), "Budget cut");
        for bad in ["", "   ", &"x".repeat(NAME_MAX + 1)] {
            assert!(
                validate_name(bad)
                    .unwrap_err()
                    .field_message("name")
                    .is_some(),
                "{bad:?}"
            );
        }
        assert!(validate_name(&"x".repeat(NAME_MAX)).is_ok());
    }
}
