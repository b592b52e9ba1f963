//! Who else is involved in an opportunity: stakeholders (contacts, each with a role) and the
//! competitors bidding against us. Each change is written to the record history.

use super::StakeholderRole;
use crate::customer::{CustomerKind, CustomerPicker};
use crate::error::AppError;
use crate::types::RecordLink;
use crate::ui::enhance::{FieldMessage, FormMessage, ServerForm};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};

/// A contact with a part in the decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stakeholder {
    pub contact: RecordLink,
    pub role: StakeholderRole,
}

impl Stakeholder {
    /// How history shows it: "Ann Lee (Champion)".
    pub fn describe(&self) -> String {
        format!("{} ({})", self.contact.name, self.role.label())
    }
}

/// The stakeholders and competitors of one opportunity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parties {
    pub stakeholders: Vec<Stakeholder>,
    pub competitors: Vec<RecordLink>,
}

/// Adds a stakeholder or changes their role; an empty role removes them.
#[server(endpoint = "opportunities/stakeholder")]
pub async fn set_stakeholder(
    id: i64,
    #[server(default)] contact_id: String,
    #[server(default)] role: String,
) -> Result<(), AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            let contact_id = contact_id.trim().parse::<i64>().map_err(|_| {
                AppError::field("contact_id", "Choose a contact from the search results.")
            })?;
            let role = match role.trim() {
                "" => None,
                code => Some(
                    StakeholderRole::from_code(code)
                        .ok_or_else(|| AppError::field("role", "Choose a role from the list."))?,
                ),
            };
            db::set_stakeholder(&state()?.pool, id, contact_id, role, &user).await
        }
        .await,
    )
}

/// Adds (`present`) or removes a competitor.
#[server(endpoint = "opportunities/competitor")]
pub async fn set_competitor(
    id: i64,
    #[server(default)] competitor_id: String,
    present: bool,
) -> Result<(), AppError> {
    use crate::server::{current_user, guard::state, respond};
    respond(
        async {
            let user = current_user().await?;
            let competitor_id = competitor_id
                .trim()
                .parse::<i64>()
                .map_err(|_| AppError::field("competitor_id", "Choose a competitor."))?;
            db::set_competitor(&state()?.pool, id, competitor_id, present, &user).await
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
pub mod db {
    use super::{Parties, Stakeholder, StakeholderRole};
    use crate::auth::User;
    use crate::customer::CustomerKind;
    use crate::error::AppError;
    use crate::history::{self, FieldChange};
    use crate::types::RecordLink;
    use sqlx::{SqliteConnection, SqlitePool};

    pub async fn load(conn: &mut SqliteConnection, id: i64) -> Result<Parties, sqlx::Error> {
        let stakeholders: Vec<(i64, String, StakeholderRole)> = sqlx::query_as(
            "SELECT c.id, TRIM(COALESCE(c.first_name || ' ', '') || c.last_name), s.role \
             FROM opportunity_stakeholders s JOIN contacts c ON c.id = s.contact_id \
             WHERE s.opportunity_id = ? ORDER BY c.last_name_normalized, c.first_name",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let competitors: Vec<(i64, String)> = sqlx::query_as(
            "SELECT k.id, k.name FROM opportunity_competitors oc \
             JOIN competitors k ON k.id = oc.competitor_id \
             WHERE oc.opportunity_id = ? ORDER BY k.name",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        Ok(Parties {
            stakeholders: stakeholders
                .into_iter()
                .map(|(id, name, role)| Stakeholder {
                    contact: RecordLink { id, name },
                    role,
                })
                .collect(),
            competitors: competitors
                .into_iter()
                .map(|(id, name)| RecordLink { id, name })
                .collect(),
        })
    }

    pub async fn set_stakeholder(
        pool: &SqlitePool,
        id: i64,
        contact_id: i64,
        role: Option<StakeholderRole>,
        user: &User,
    ) -> Result<(), AppError> {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        let version = super::super::db::open_for_edit(&mut tx, id, user).await?;
        let parties = load(&mut tx, id).await?;
        let before = parties
            .stakeholders
            .iter()
            .find(|s| s.contact.id == contact_id);
        // Removing someone who is not a stakeholder, or giving a stakeholder the role they
        // have, changes nothing and records nothing.
        if before.map(|s| s.role) == role {
            return Ok(());
        }
        let name = match before {
            Some(stakeholder) => stakeholder.contact.name.clone(),
            None => crate::customer::db::active_name(&mut tx, CustomerKind::Contact, contact_id)
                .await?
                .ok_or_else(|| {
                    AppError::field(
                        "contact_id",
                        "This contact is inactive or no longer exists: choose another.",
                    )
                })?,
        };
        let after = role.map(|role| Stakeholder {
            contact: RecordLink {
                id: contact_id,
                name,
            },
            role,
        });
        match &after {
            Some(stakeholder) => {
                sqlx::query(
                    "INSERT INTO opportunity_stakeholders (opportunity_id, contact_id, role) \
                     VALUES (?, ?, ?) ON CONFLICT (opportunity_id, contact_id) \
                     DO UPDATE SET role = excluded.role",
                )
                .bind(id)
                .bind(contact_id)
                .bind(stakeholder.role)
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query(
                    "DELETE FROM opportunity_stakeholders WHERE opportunity_id = ? AND contact_id = ?",
                )
                .bind(id)
                .bind(contact_id)
                .execute(&mut *tx)
                .await?;
            }
        }
        let change = FieldChange {
            field: "stakeholder",
            old: before.map(Stakeholder::describe),
            new: after.as_ref().map(Stakeholder::describe),
        };
        record(&mut tx, id, version, change, user).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_competitor(
        pool: &SqlitePool,
        id: i64,
        competitor_id: i64,
        present: bool,
        user: &User,
    ) -> Result<(), AppError> {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        let version = super::super::db::open_for_edit(&mut tx, id, user).await?;
        // A deactivated competitor can still be taken off, but not added.
        let name: String = sqlx::query_scalar(
            "SELECT name FROM competitors WHERE id = ? AND (active = 1 OR NOT ?)",
        )
        .bind(competitor_id)
        .bind(present)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::field("competitor_id", "Choose a competitor from the list."))?;
        let sql = if present {
            "INSERT OR IGNORE INTO opportunity_competitors (opportunity_id, competitor_id) VALUES (?, ?)"
        } else {
            "DELETE FROM opportunity_competitors WHERE opportunity_id = ? AND competitor_id = ?"
        };
        let changed = sqlx::query(sql)
            .bind(id)
            .bind(competitor_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            > 0;
        if changed {
            let (old, new) = if present {
                (None, Some(name))
            } else {
                (Some(name), None)
            };
            let change = FieldChange {
                field: "opportunity_competitor",
                old,
                new,
            };
            record(&mut tx, id, version, change, user).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// One history row at the opportunity's current version: these lists change beside the
    /// form, so they do not make an open form stale.
    async fn record(
        conn: &mut SqliteConnection,
        id: i64,
        version: i64,
        change: FieldChange,
        user: &User,
    ) -> Result<(), AppError> {
        if change.old == change.new {
            return Ok(());
        }
        let at = chrono::Utc::now().to_rfc3339();
        history::db::record(conn, "opportunity", id, version, &[change], user.id, &at).await?;
        Ok(())
    }
}

/// The stakeholders and competitors card: lists with Remove, and small add forms. Each
/// change loads the page again.
#[component]
pub fn PartiesCard(
    id: i64,
    parties: Parties,
    /// Every active competitor (the add form's choices).
    all_competitors: Vec<RecordLink>,
    editable: bool,
) -> impl IntoView {
    let stakeholder_path = <SetStakeholder as ServerFn>::PATH;
    let competitor_path = <SetCompetitor as ServerFn>::PATH;
    let stakeholders = parties
        .stakeholders
        .iter()
        .map(|s| {
            let label = format!("Remove stakeholder {}", s.contact.name);
            let contact_id = s.contact.id;
            view! {
                <li>
                    <a href=format!("/contacts/{}", s.contact.id)>{s.contact.name.clone()}</a>
                    " · "{s.role.label()}
                    {editable.then(|| view! {
                        <ServerForm action=stakeholder_path class="inline-form" done="Stakeholders updated." reload=true>
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="contact_id" value=contact_id />
                            <button type="submit" class="button link">{label}</button>
                            <FormMessage />
                        </ServerForm>
                    })}
                </li>
            }
        })
        .collect_view();
    let competitors = parties
        .competitors
        .iter()
        .map(|c| {
            let label = format!("Remove competitor {}", c.name);
            let competitor_id = c.id;
            view! {
                <li>
                    {c.name.clone()}
                    {editable.then(|| view! {
                        <ServerForm action=competitor_path class="inline-form" done="Competitors updated." reload=true>
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="competitor_id" value=competitor_id />
                            <input type="hidden" name="present" value="false" />
                            <button type="submit" class="button link">{label}</button>
                            <FormMessage />
                        </ServerForm>
                    })}
                </li>
            }
        })
        .collect_view();
    let choices = all_competitors
        .into_iter()
        .filter(|c| parties.competitors.iter().all(|listed| listed.id != c.id))
        .map(|c| view! { <option value=c.id>{c.name}</option> })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="parties-title">
            <h2 id="parties-title">"Stakeholders and competitors"</h2>
            <div class="parties">
                <div>
                    <h3>"Stakeholders"</h3>
                    {if parties.stakeholders.is_empty() {
                        view! { <p class="muted">"No stakeholders yet."</p> }.into_any()
                    } else {
                        view! { <ul class="plain-list" aria-label="Stakeholders">{stakeholders}</ul> }.into_any()
                    }}
                    {editable.then(|| view! {
                        <ServerForm action=stakeholder_path done="Stakeholders updated." reload=true>
                            <input type="hidden" name="id" value=id />
                            <CustomerPicker kind=CustomerKind::Contact name="contact_id".to_string()
                                label="Stakeholder contact".to_string() chosen=None disabled=false described_by="stakeholder-contact-error".to_string() />
                            <FieldMessage field="contact_id" id="stakeholder-contact-error" />
                            <div class="field">
                                <label for="stakeholder-role">"Role"</label>
                                <select id="stakeholder-role" name="role">
                                    {StakeholderRole::ALL.iter().map(|role| view! { <option value=role.code()>{role.label()}</option> }).collect_view()}
                                </select>
                            </div>
                            <FormMessage />
                            <button type="submit" class="button secondary">"Add stakeholder"</button>
                        </ServerForm>
                    }.into_any())}
                </div>
                <div>
                    <h3>"Competitors"</h3>
                    {if parties.competitors.is_empty() {
                        view! { <p class="muted">"No competitors yet."</p> }.into_any()
                    } else {
                        view! { <ul class="plain-list" aria-label="Competitors">{competitors}</ul> }.into_any()
                    }}
                    {editable.then(|| view! {
                        <ServerForm action=competitor_path done="Competitors updated." reload=true>
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="present" value="true" />
                            <div class="field">
                                <label for="competitor-choice">"Competitor"</label>
                                <select id="competitor-choice" name="competitor_id" aria-describedby="competitor-choice-error">{choices}</select>
                                <FieldMessage field="competitor_id" id="competitor-choice-error" />
                            </div>
                            <FormMessage />
                            <button type="submit" class="button secondary">"Add competitor"</button>
                        </ServerForm>
                    }.into_any())}
                </div>
            </div>
        </section>
    }
}
