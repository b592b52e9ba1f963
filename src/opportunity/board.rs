//! The pipeline board: a column per opportunity stage plus Won and Lost, each with its count,
//! estimated revenue and probability-weighted revenue. Cards move by drag on a desktop and
//! by an explicit "Move to…" control anywhere; moving into Won or Lost opens the close dialog
//! on the opportunity; stage gating applies exactly as on the record.

use super::api::MoveOpportunityStage;
use super::list::{OpportunityQuery, OpportunityView};
use crate::ui::ErrorPage;
use crate::ui::enhance::{FormMessage, ServerForm};
use crate::url_state::{field, read};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
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
    let location = use_location();
    let query = Memo::new(move |_| location.search.with(|search| read::<BoardQuery>(search)));
    let board = crate::ui::fetched(move || query.get(), super::api::pipeline_board);
    let owners = crate::ui::fetched(|| (), |_| crate::auth::api::user_directory());
    let processes = crate::ui::fetched(|| (), |_| crate::process::api::process_choices());
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
            <Transition fallback=|| view! { <p class="loading">"Loading the pipeline…"</p> }>
                {move || Suspend::new(async move {
                    match board.await {
                        Ok(board) => {
                            let query = query.get_untracked();
                            view! { <BoardColumns board query /> }.into_any()
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

/// The columns and their cards. Each card's "Move to…" is a form `ui::enhance` sends (the
/// page loads again with the card in its new column); dragging a card onto a column fills in
/// and sends that form, and Won or Lost open the record's close dialog instead (`install`).
#[component]
fn BoardColumns(board: Board, query: BoardQuery) -> impl IntoView {
    // No close-date range: the closed columns show recent closes only.
    let recent = query.close_from.is_none() && query.close_to.is_none();
    let destinations = destinations(&board);
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
            let summary = format!(
                "{} · {} · weighted {}",
                if column.count == 1 { "1 opportunity".to_string() } else { format!("{} opportunities", column.count) },
                usd(column.total_minor),
                usd(column.weighted_minor)
            );
            let shown = column.cards.len() as i64;
            let labelled_by = heading_id.clone();
            let cards = column
                .cards
                .into_iter()
                .map(|card| {
                    let options = destinations
                        .iter()
                        .filter(|(value, _)| *value != target)
                        .map(|(value, name)| view! { <option value=value.clone()>{name.clone()}</option> })
                        .collect_view();
                    let label = format!("Move {} to", card.topic);
                    view! {
                        <li class="board-card" draggable="true">
                            <a class="board-card-title" href=format!("/opportunities/{}", card.id)>{card.topic.clone()}</a>
                            {card.stalled.then(|| view! { <p class="stalled-badge">"Stalled"</p> })}
                            {card.customer.map(|c| view! { <p class="muted">{c}</p> })}
                            <p>{card.revenue_minor.map(usd).unwrap_or_else(|| "No estimate".into())}
                               {card.close_date.map(|d| format!(" · {d}"))}</p>
                            <p class="muted">{card.owner_name}</p>
                            <ServerForm action={<MoveOpportunityStage as ServerFn>::PATH} class="move-to"
                                done="Opportunity moved." reload=true>
                                <input type="hidden" name="id" value=card.id />
                                <input type="hidden" name="version" value=card.version />
                                <select name="direction" aria-label=label>
                                    <option value="">"Move to…"</option>
                                    {options}
                                </select>
                                <button type="submit" class="button secondary">"Move"</button>
                                <FormMessage />
                            </ServerForm>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section class="board-column" aria-labelledby=labelled_by data-column=target>
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

/// Where a move goes: nowhere (nothing chosen), the record's close dialog (Won, Lost), or
/// the stage chosen, which the move form sends.
#[derive(Debug, PartialEq, Eq)]
pub enum MoveTarget {
    Nothing,
    CloseDialog(String),
    Stage,
}

pub fn move_target(opportunity_id: &str, direction: &str) -> MoveTarget {
    match direction {
        "" => MoveTarget::Nothing,
        "won" | "lost" => {
            MoveTarget::CloseDialog(format!("/opportunities/{opportunity_id}?close={direction}"))
        }
        _ => MoveTarget::Stage,
    }
}

/// Makes the board's cards move: a move form with nothing chosen sends nothing, one for Won
/// or Lost opens the record with its close dialog (a page load of its own), and a card
/// dropped on a column sends its move form with that column chosen. The listeners run
/// before `ui::enhance`'s (capture), so it only sees the moves to a stage.
#[cfg(feature = "hydrate")]
pub fn install() {
    use crate::ui::dom::{event_element, on_document};
    use wasm_bindgen::JsCast;
    thread_local! {
        static DRAGGED: std::cell::RefCell<Option<web_sys::Element>> = const { std::cell::RefCell::new(None) };
    }
    let column_of = |event: &web_sys::Event| {
        event_element(event).and_then(|target| target.closest(".board-column").ok().flatten())
    };
    on_document("submit", true, |event| {
        let Some(form) = event_element(&event).filter(|form| form.class_list().contains("move-to"))
        else {
            return;
        };
        let field = |name: &str| {
            form.query_selector(&format!("[name={name}]"))
                .ok()
                .flatten()
                .and_then(|field| {
                    field
                        .dyn_ref::<web_sys::HtmlSelectElement>()
                        .map(|select| select.value())
                        .or_else(|| {
                            field
                                .dyn_ref::<web_sys::HtmlInputElement>()
                                .map(|input| input.value())
                        })
                })
                .unwrap_or_default()
        };
        match move_target(&field("id"), &field("direction")) {
            MoveTarget::Stage => {}
            MoveTarget::Nothing => {
                event.prevent_default();
                event.stop_immediate_propagation();
            }
            MoveTarget::CloseDialog(url) => {
                event.prevent_default();
                event.stop_immediate_propagation();
                crate::ui::go_to(&url);
            }
        }
    });
    on_document("dragstart", false, |event| {
        let card =
            event_element(&event).and_then(|target| target.closest(".board-card").ok().flatten());
        DRAGGED.with_borrow_mut(|dragged| *dragged = card);
    });
    on_document("dragover", false, move |event| {
        if column_of(&event).is_some() {
            event.prevent_default();
        }
    });
    on_document("drop", false, move |event| {
        let Some(column) = column_of(&event) else {
            return;
        };
        event.prevent_default();
        let Some(card) = DRAGGED.with_borrow_mut(Option::take) else {
            return;
        };
        let form = card
            .query_selector("form.move-to")
            .ok()
            .flatten()
            .and_then(|form| form.dyn_into::<web_sys::HtmlFormElement>().ok());
        let select = card
            .query_selector("select[name=direction]")
            .ok()
            .flatten()
            .and_then(|select| select.dyn_into::<web_sys::HtmlSelectElement>().ok());
        if let (Some(form), Some(select), Some(target)) =
            (form, select, column.get_attribute("data-column"))
        {
            // The card's own column is not among its choices: the value stays empty.
            select.set_value(&target);
            let _ = form.request_submit();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_move_goes_nowhere_to_a_close_dialog_or_to_a_stage() {
        assert_eq!(move_target("7", ""), MoveTarget::Nothing);
        assert_eq!(
            move_target("7", "won"),
            MoveTarget::CloseDialog("/opportunities/7?close=won".into())
        );
        assert_eq!(
            move_target("7", "lost"),
            MoveTarget::CloseDialog("/opportunities/7?close=lost".into())
        );
        assert_eq!(move_target("7", "12"), MoveTarget::Stage);
    }

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
