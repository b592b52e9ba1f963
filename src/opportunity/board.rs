//! The pipeline board: a column per opportunity stage plus Won and Lost, each with its count,
//! estimated revenue and probability-weighted revenue. Cards move by drag on a desktop and
//! by an explicit "Move to…" control anywhere; moving into Won or Lost opens the close dialog
//! on the opportunity; stage gating applies exactly as on the record.

use super::api::MoveOpportunityStage;
use super::list::{OpportunityQuery, OpportunityView};
use crate::ui::{ErrorPage, FormAlert, use_toasts};
use crate::url_state::{field, read};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_location;
use serde::{Deserialize, Serialize};

/// Cards shown per column at first, and how many more each "Show more" adds (the totals
/// always cover every opportunity).
pub const BOARD_CARDS: i64 = 20;

/// The most cards a column shows; beyond that the list view pages through them.
pub const MAX_BOARD_CARDS: i64 = 200;

/// Without a close-date range, Won and Lost show what closed in this many recent days.
pub const CLOSED_DAYS: u64 = 90;

/// The board's filters, kept in the URL (`crate::url_state`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BoardQuery {
    #[serde(
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub owner: Option<i64>,
    /// Estimated close date (open) or actual close date (won, lost) from, inclusive.
    #[serde(rename = "from", alias = "close_from", deserialize_with = "field::day")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close_from: Option<String>,
    #[serde(rename = "to", alias = "close_to", deserialize_with = "field::day")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close_to: Option<String>,
    /// The sales process whose stages are the columns (None: the default one).
    #[serde(
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub process: Option<i64>,
    /// Cards per column (None: BOARD_CARDS).
    #[serde(
        deserialize_with = "field::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub cards: Option<i64>,
}

impl BoardQuery {
    /// Cards per column, within bounds.
    pub fn card_limit(&self) -> i64 {
        self.cards
            .unwrap_or(BOARD_CARDS)
            .clamp(BOARD_CARDS, MAX_BOARD_CARDS)
    }

    /// The board with `cards` cards per column and the same filters.
    pub fn url_with_cards(&self, cards: i64) -> String {
        let query = BoardQuery {
            cards: Some(cards),
            ..self.clone()
        };
        crate::url_state::url("/pipeline", &query)
    }

    /// The opportunity list behind a column: the same owner and close dates.
    pub fn list_url(&self, kind: ColumnKind) -> String {
        let (view, stage) = match kind {
            ColumnKind::Stage(id) => (OpportunityView::AllOpen, Some(id)),
            ColumnKind::Won => (OpportunityView::Won, None),
            ColumnKind::Lost => (OpportunityView::Lost, None),
        };
        OpportunityQuery {
            stage,
            process: self.process,
            owner: self.owner,
            close_from: self.close_from.clone(),
            close_to: self.close_to.clone(),
            ..OpportunityQuery::of_view(view)
        }
        .to_url()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ColumnKind {
    Stage(i64),
    Won,
    Lost,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct BoardCard {
    pub id: i64,
    pub version: i64,
    pub topic: String,
    pub customer: Option<String>,
    pub revenue_minor: Option<i64>,
    pub close_date: Option<String>,
    pub owner_name: String,
    /// In its stage longer than the stage's threshold.
    pub stalled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardColumn {
    pub kind: ColumnKind,
    pub name: String,
    pub count: i64,
    pub total_minor: i64,
    pub weighted_minor: i64,
    pub cards: Vec<BoardCard>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Board {
    pub columns: Vec<BoardColumn>,
}

/// The probability-weighted sum from the sum of revenue × percent, rounded half up to the
/// minor unit (exact integers, never a float).
pub fn weighted_minor(revenue_times_percent: i64) -> i64 {
    (revenue_times_percent + 50).div_euclid(100)
}

pub(crate) fn usd(minor: i64) -> String {
    crate::types::Money::from_minor(minor, crate::types::Currency::USD).to_string()
}

#[component]
pub fn PipelinePage() -> impl IntoView {
    crate::ui::list::provide_filters_open();
    let location = use_location();
    let query = Memo::new(move |_| location.search.with(|search| read::<BoardQuery>(search)));
    let board = crate::ui::fetched(move || query.get(), super::api::pipeline_board);
    let owners = crate::ui::fetched(|| (), |_| crate::auth::api::user_directory());
    let processes = crate::ui::fetched(|| (), |_| crate::process::api::process_choices());
    let move_card = ServerAction::<MoveOpportunityStage>::new();
    let toasts = use_toasts();
    Effect::new(move |_| {
        if let Some(Ok(_)) = move_card.value().get() {
            toasts.show("Opportunity moved.");
            untrack(|| board.refetch());
        }
    });
    view! {
        <Title text="Pipeline" />
        <section class="page">
            <header class="page-header"><h1>"Pipeline"</h1></header>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let owners = owners.await.unwrap_or_default();
                    let processes = processes.await.unwrap_or_default();
                    let q = query.get();
                    view! {
                        <crate::ui::list::FilterFold active=crate::url_state::active_filters(&q)>
                            <Form method="GET" action="/pipeline" attr:class="list-filters" attr:role="search">
                                <crate::process::ProcessFilter id="board-process" choices=processes selected=q.process any=false />
                                <div class="field">
                                    <label for="board-owner">"Owner"</label>
                                    <select id="board-owner" name="owner">
                                        <option value="" selected=q.owner.is_none()>"Everyone"</option>
                                        {owners.into_iter().map(|u| view! { <option value=u.id selected=q.owner == Some(u.id)>{u.name}</option> }).collect_view()}
                                    </select>
                                </div>
                                <div class="field">
                                    <label for="board-from">"Close date from"</label>
                                    <input id="board-from" type="date" name="from" value=q.close_from.clone().unwrap_or_default() />
                                </div>
                                <div class="field">
                                    <label for="board-to">"Close date to"</label>
                                    <input id="board-to" type="date" name="to" value=q.close_to.clone().unwrap_or_default() />
                                </div>
                                <button type="submit" class="button primary">"Apply"</button>
                            </Form>
                        </crate::ui::list::FilterFold>
                    }
                })}
            </Suspense>
            <FormAlert result=Signal::derive(move || move_card.value().get()) />
            <Transition fallback=|| view! { <p class="loading">"Loading the pipeline…"</p> }>
                {move || Suspend::new(async move {
                    match board.await {
                        Ok(board) => {
                            let query = query.get_untracked();
                            crate::ui::shown(|| view! { <BoardColumns board move_card query /> }).into_any()
                        }
                        Err(error) => view! { <ErrorPage message=error.to_string() /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// Where a card can go: an open stage, or Won / Lost (the close dialog).
fn destinations(board: &Board) -> Vec<(String, String)> {
    board
        .columns
        .iter()
        .map(|column| {
            let value = match column.kind {
                ColumnKind::Stage(id) => id.to_string(),
                ColumnKind::Won => "won".into(),
                ColumnKind::Lost => "lost".into(),
            };
            (value, column.name.clone())
        })
        .collect()
}

#[component]
fn BoardColumns(
    board: Board,
    move_card: ServerAction<MoveOpportunityStage>,
    query: BoardQuery,
) -> impl IntoView {
    // No close-date range: the closed columns show recent closes only.
    let recent = query.close_from.is_none() && query.close_to.is_none();
    let destinations = destinations(&board);
    // What is being dragged: (id, version).
    let dragging = RwSignal::new(None::<(i64, i64)>);
    let go = StoredValue::new(
        move |id: i64, version: i64, target: String| match target.as_str() {
            // A page load of its own: the record opens with that close dialog showing.
            "won" | "lost" => crate::ui::go_to(&format!("/opportunities/{id}?close={target}")),
            stage => {
                move_card.dispatch(MoveOpportunityStage {
                    id,
                    version,
                    direction: stage.to_string(),
                });
            }
        },
    );
    let columns = board
        .columns
        .into_iter()
        .map(|column| {
            let heading_id = format!("column-{}", column.name.to_lowercase().replace(' ', "-"));
            let target = match column.kind {
                ColumnKind::Stage(id) => id.to_string(),
                ColumnKind::Won => "won".into(),
                ColumnKind::Lost => "lost".into(),
            };
            let drop_target = target.clone();
            let labelled_by = heading_id.clone();
            let summary = format!(
                "{} · {} · weighted {}",
                if column.count == 1 { "1 opportunity".to_string() } else { format!("{} opportunities", column.count) },
                usd(column.total_minor),
                usd(column.weighted_minor)
            );
            let shown = column.cards.len() as i64;
            let cards = column
                .cards
                .into_iter()
                .map(|card| {
                    let (id, version) = (card.id, card.version);
                    let choice = RwSignal::new(String::new());
                    let options = destinations
                        .iter()
                        .filter(|(value, _)| *value != target)
                        .map(|(value, name)| view! { <option value=value.clone()>{name.clone()}</option> })
                        .collect_view();
                    let label = format!("Move {} to", card.topic);
                    view! {
                        <li class="board-card" draggable="true"
                            on:dragstart=move |_| dragging.set(Some((id, version)))>
                            <a class="board-card-title" href=format!("/opportunities/{id}")>{card.topic.clone()}</a>
                            {card.stalled.then(|| view! { <p class="stalled-badge">"Stalled"</p> })}
                            {card.customer.map(|c| view! { <p class="muted">{c}</p> })}
                            <p>{card.revenue_minor.map(usd).unwrap_or_else(|| "No estimate".into())}
                               {card.close_date.map(|d| format!(" · {d}"))}</p>
                            <p class="muted">{card.owner_name}</p>
                            <div class="move-to">
                                <select aria-label=label on:change=move |event| choice.set(event_target_value(&event))>
                                    <option value="">"Move to…"</option>
                                    {options}
                                </select>
                                <button type="button" class="button secondary" on:click=move |_| {
                                    let target = choice.get_untracked();
                                    if !target.is_empty() {
                                        go.with_value(|go| go(id, version, target));
                                    }
                                }>"Move"</button>
                            </div>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section class="board-column" aria-labelledby=labelled_by
                    on:dragover=move |event| event.prevent_default()
                    on:drop=move |event| {
                        event.prevent_default();
                        if let Some((id, version)) = dragging.get_untracked() {
                            dragging.set(None);
                            go.with_value(|go| go(id, version, drop_target.clone()));
                        }
                    }>
                    <h2 id=heading_id>{column.name.clone()}</h2>
                    <p class="column-totals">{summary}</p>
                    {(recent && !matches!(column.kind, ColumnKind::Stage(_))).then(|| view! {
                        <p class="muted column-note">{format!("Closed in the last {CLOSED_DAYS} days")}</p>
                    })}
                    <ul class="board-cards">{cards}</ul>
                    {(column.count > shown).then(|| {
                        let more = (shown < MAX_BOARD_CARDS).then(|| query.url_with_cards((shown + BOARD_CARDS).min(MAX_BOARD_CARDS)));
                        view! {
                            <p class="muted">{format!("Showing {shown} of {}.", column.count)}</p>
                            <p class="column-more">
                                {more.map(|href| view! { <a href=href>{format!("Show more {}", column.name)}</a> })}
                                <a href=query.list_url(column.kind)>{format!("All {} in the list", column.count)}</a>
                            </p>
                        }
                    })}
                </section>
            }
        })
        .collect_view();
    view! { <div class="board">{columns}</div> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_sums_round_to_the_cent() {
        // 1,000.01 at 25% is 250.0025 → 250.00; 0.02 at 25% is 0.005 → 0.01.
        assert_eq!(weighted_minor(100_001 * 25), 25_000);
        assert_eq!(weighted_minor(2 * 25), 1);
        assert_eq!(weighted_minor(0), 0);
    }

    #[test]
    fn filters_come_from_the_url_and_bad_dates_are_dropped() {
        let query: BoardQuery = read("owner=3&from=2026-01-01&to=next+week&cards=many");
        assert_eq!(
            query,
            BoardQuery {
                owner: Some(3),
                close_from: Some("2026-01-01".into()),
                close_to: None,
                process: None,
                cards: None,
            }
        );
    }

    #[test]
    fn columns_show_more_cards_within_bounds_and_link_to_the_list() {
        let query: BoardQuery = read("owner=3&cards=5000");
        assert_eq!(query.card_limit(), MAX_BOARD_CARDS);
        assert_eq!(BoardQuery::default().card_limit(), BOARD_CARDS);
        assert_eq!(query.url_with_cards(40), "/pipeline?owner=3&cards=40");
        assert_eq!(
            query.list_url(ColumnKind::Stage(2)),
            "/opportunities?view=all-open&stage=2&owner=3"
        );
        assert_eq!(
            query.list_url(ColumnKind::Won),
            "/opportunities?view=won&owner=3"
        );
    }
}
