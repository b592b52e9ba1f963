//! Row selection and the bulk bar of the lead, contact and account list views: row
//! checkboxes, "select all N matching" (every matching record on the server, not just the
//! page), Add to list, Remove from this list, Assign owner, Disqualify, Deactivate and
//! Export selected.

use super::api::{AddToList, BulkAction, RemoveFromList, bulk_job_progress};
use super::{
    AddedFrom, BulkProgress, BulkReport, BulkState, BulkVerb, ListKind, ListRow, MemberType,
    SKIPPED_SHOWN, Selection,
};
use crate::auth::UserOption;
use crate::error::AppError;
use crate::lead::LeadStatusReason;
use crate::ui::{DownloadLink, FormAlert, ProgressMeter, use_toasts};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A list view's chosen rows (id, version as shown), or all matching; and the last bulk
/// action's report.
#[derive(Clone, Copy)]
struct RowSelection {
    chosen: RwSignal<Vec<(i64, i64)>>,
    all_matching: RwSignal<bool>,
    report: RwSignal<Option<BulkReport>>,
}

impl RowSelection {
    fn new() -> Self {
        RowSelection {
            chosen: RwSignal::new(Vec::new()),
            all_matching: RwSignal::new(false),
            report: RwSignal::new(None),
        }
    }

    fn clear(&self) {
        self.chosen.set(Vec::new());
        self.all_matching.set(false);
    }

    /// The selection a server call takes; `matching` is the list view's query string.
    fn selection(&self, matching: &str) -> Selection {
        if self.all_matching.get_untracked() {
            Selection {
                matching: Some(matching.to_string()),
                ..Selection::default()
            }
        } else {
            let chosen = self.chosen.get_untracked();
            Selection {
                ids: chosen.iter().map(|(id, _)| *id).collect(),
                versions: chosen.iter().map(|(_, version)| *version).collect(),
                matching: None,
            }
        }
    }

    /// After a bulk call: a toast, and the page loaded again with the report kept for it.
    fn finish(&self, message: String, report: BulkReport) {
        use_toasts().show(message);
        #[cfg(feature = "hydrate")]
        dom::keep_report(&report);
        #[cfg(not(feature = "hydrate"))]
        let _ = report;
        crate::ui::go_to(&window().location().href().unwrap_or_default());
    }
}

/// The page's row checkboxes, which the server renders: the bulk bar reads what is ticked
/// and ticks them itself (Select all, Clear selection).
#[cfg(feature = "hydrate")]
mod dom {
    use super::BulkReport;
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;

    /// Where the report of the bulk action that loaded the page again waits for it.
    const KEPT_REPORT: &str = "leadflow-bulk-report";

    fn row_checks() -> Vec<web_sys::HtmlInputElement> {
        crate::ui::dom::elements(document().query_selector_all("input.row-select"))
            .into_iter()
            .filter_map(|check| check.dyn_into::<web_sys::HtmlInputElement>().ok())
            .collect()
    }

    fn id_and_version(check: &web_sys::HtmlInputElement) -> Option<(i64, i64)> {
        Some((
            check.get_attribute("data-id")?.parse().ok()?,
            check.get_attribute("data-version")?.parse().ok()?,
        ))
    }

    /// The rows ticked now.
    pub fn ticked() -> Vec<(i64, i64)> {
        row_checks()
            .iter()
            .filter(|check| check.checked())
            .filter_map(id_and_version)
            .collect()
    }

    /// Ticks the rows `is_chosen` says, and unticks the others.
    pub fn tick(is_chosen: impl Fn(i64) -> bool) {
        for check in row_checks() {
            if let Some((id, _)) = id_and_version(&check) {
                check.set_checked(is_chosen(id));
            }
        }
    }

    /// Calls `changed` whenever a row's checkbox changes.
    pub fn on_row_change(changed: impl Fn() + 'static) {
        crate::ui::dom::on_document("change", false, move |event| {
            let is_row = crate::ui::dom::event_element(&event)
                .is_some_and(|target| target.class_list().contains("row-select"));
            if is_row {
                changed();
            }
        });
    }

    pub fn keep_report(report: &BulkReport) {
        if let (Ok(Some(storage)), Ok(json)) =
            (window().session_storage(), serde_json::to_string(report))
        {
            let _ = storage.set_item(KEPT_REPORT, &json);
        }
    }

    /// The report the last bulk action kept for this page (once).
    pub fn kept_report() -> Option<BulkReport> {
        let storage = window().session_storage().ok()??;
        let json = storage.get_item(KEPT_REPORT).ok()??;
        let _ = storage.remove_item(KEPT_REPORT);
        serde_json::from_str(&json).ok()
    }
}

/// A row's checkbox; its label names the record (read by screen readers, tappable). The
/// bulk bar's island follows it.
#[component]
pub fn RowCheck(id: i64, version: i64, name: String) -> AnyView {
    view! {
        <td class="select-cell" data-label="Select">
            <label class="row-check">
                <input type="checkbox" class="row-select" data-id=id data-version=version />
                <span class="visually-hidden">{format!("Select {name}")}</span>
            </label>
        </td>
    }
    .into_any()
}

/// The header of the checkbox column (the page's own checkbox sits above the table, where
/// a phone's cards show it too).
#[component]
pub fn SelectHeader() -> AnyView {
    view! { <th scope="col" class="select-cell"><span class="visually-hidden">"Selected"</span></th> }
        .into_any()
}

/// "Select all on this page", above a list's table.
#[component]
fn PageCheck(selection: RowSelection, rows: Vec<(i64, i64)>) -> AnyView {
    let all_on_page = {
        let rows = rows.clone();
        move || {
            selection.all_matching.get()
                || (!rows.is_empty()
                    && selection.chosen.with(|chosen| {
                        rows.iter()
                            .all(|(id, _)| chosen.iter().any(|(c, _)| c == id))
                    }))
        }
    };
    view! {
        <div class="select-page">
            <label class="row-check">
                <input
                    type="checkbox"
                    prop:checked=all_on_page
                    on:change=move |ev| {
                        selection.all_matching.set(false);
                        selection.chosen.set(if event_target_checked(&ev) { rows.clone() } else { Vec::new() });
                    }
                />
                "Select all on this page"
            </label>
        </div>
    }
    .into_any()
}

/// What the bulk bar works on: the list view's type, query string and count, the rows of
/// the page, the static list it shows the members of (if any), where its export is, and
/// what the choices offer (owners to managers, static lists).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BulkContext {
    pub member_type: MemberType,
    pub matching: String,
    pub total: i64,
    pub rows: Vec<(i64, i64)>,
    pub list: Option<i64>,
    /// The export's address without its query ("/api/leads/export.csv").
    pub export_path: String,
    pub manager: bool,
    pub owners: Vec<UserOption>,
    pub lists: Vec<ListRow>,
}

impl BulkContext {
    /// The export of the chosen ids, or of every match.
    fn export_url(&self, ids: Option<&[i64]>) -> String {
        let mut query = self.matching.clone();
        if let Some(ids) = ids {
            let ids = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(".");
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(&format!("ids={ids}"));
        }
        format!("{}?{query}", self.export_path)
    }
}

/// What a list page's bulk bar offers its user, loaded with the page.
#[derive(Debug, Clone, Default)]
pub struct BulkChoices {
    pub manager: bool,
    pub owners: Vec<UserOption>,
    pub lists: Vec<ListRow>,
}

/// What the bulk bar of a list offers, as the page loads it (create it at the page's top).
#[derive(Clone, Copy)]
pub struct BulkChoicesLoad {
    user: crate::ui::Fetched<Result<crate::auth::User, AppError>>,
    owners: crate::ui::Fetched<Result<Vec<UserOption>, AppError>>,
    lists: crate::ui::Fetched<Result<Vec<ListRow>, AppError>>,
}

impl BulkChoicesLoad {
    pub fn new(member_type: MemberType) -> Self {
        BulkChoicesLoad {
            user: crate::app::use_signed_in_user(),
            owners: crate::ui::fetched(|| (), |_| crate::auth::api::user_directory()),
            lists: crate::ui::fetched(|| (), move |_| super::api::all_lists(Some(member_type))),
        }
    }

    /// The users the bar offers as owners (a page's owner filter shows the same, loaded once).
    pub fn owners(self) -> crate::ui::Fetched<Result<Vec<UserOption>, AppError>> {
        self.owners
    }

    pub async fn loaded(self) -> BulkChoices {
        BulkChoices {
            manager: self
                .user
                .await
                .is_ok_and(|user| user.role.includes(crate::auth::Role::Manager)),
            owners: self.owners.await.unwrap_or_default(),
            lists: self.lists.await.unwrap_or_default(),
        }
    }
}

/// The bar above a list view's table: how many are selected and what to do with them, and
/// "Select all on this page". An island, the one part of a list page the browser runs.
#[island(lazy)]
pub fn BulkBar(context: BulkContext) -> impl IntoView {
    let selection = RowSelection::new();
    // The browser's part: the rows ticked follow the checkboxes, and the checkboxes what is
    // chosen here; a report kept by the action that loaded the page again shows.
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            let follow = move || {
                selection.all_matching.set(false);
                selection.chosen.set(dom::ticked());
            };
            // Rows ticked before the island was hydrated count too.
            follow();
            dom::on_row_change(follow);
            selection.report.set(dom::kept_report());
        }
    });
    Effect::new(move |_| {
        let all = selection.all_matching.get();
        let chosen = selection.chosen.get();
        #[cfg(feature = "hydrate")]
        dom::tick(|id| all || chosen.iter().any(|(c, _)| *c == id));
        #[cfg(not(feature = "hydrate"))]
        let _ = (all, chosen);
    });
    let total = context.total;
    let page_rows = context.rows.len();
    let member_type = context.member_type;
    let count = move || {
        if selection.all_matching.get() {
            total
        } else {
            selection.chosen.with(Vec::len) as i64
        }
    };
    let noun = move || member_type.noun(count());
    let any_selected = move || count() > 0;
    let select_all = move || {
        !selection.all_matching.get()
            && total > page_rows as i64
            && selection.chosen.with(Vec::len) == page_rows
    };
    let rows = context.rows.clone();
    let list = context.list;
    let context = StoredValue::new(context);
    let export_href = Signal::derive(move || {
        let ids = (!selection.all_matching.get()).then(|| {
            selection
                .chosen
                .with(|chosen| chosen.iter().map(|(id, _)| *id).collect::<Vec<_>>())
        });
        context.with_value(|context| context.export_url(ids.as_deref()))
    });
    view! {
        <div class="bulk-select-all" hidden=move || !select_all()>
            <button type="button" class="button secondary" on:click=move |_| selection.all_matching.set(true)>
                {format!("Select all {total} matching")}
            </button>
        </div>
        <Show when=any_selected>
            <section class="bulk-bar card" aria-label="Bulk actions">
                <p class="bulk-count" role="status">{move || format!("{} {} selected", count(), noun())}</p>
                <AddToListControl selection context />
                {list.map(|list| view! { <RemoveFromListControl selection context list /> })}
                <BulkActionControls selection context />
                <DownloadLink
                    class="button secondary"
                    href=export_href
                    expected=Signal::derive(count)
                    label="Export selected".to_string()
                />
                <button type="button" class="button secondary" on:click=move |_| selection.clear()>"Clear selection"</button>
            </section>
        </Show>
        <BulkReportView report=selection.report />
        {(!rows.is_empty()).then(|| view! { <PageCheck selection rows /> })}
    }
    .into_any()
}

/// What the last bulk action did: the list it filled, and what it skipped and why.
#[component]
fn BulkReportView(report: RwSignal<Option<BulkReport>>) -> AnyView {
    (move || {
        report.get().map(|report| {
            let more = report.skipped.len().saturating_sub(SKIPPED_SHOWN);
            let skipped = (!report.skipped.is_empty()).then(|| view! {
                <details class="bulk-skipped" open>
                    <summary>{format!("{} skipped", report.skipped.len())}</summary>
                    <ul>
                        {report.skipped.iter().take(SKIPPED_SHOWN).map(|skipped| view! {
                            <li>{format!("#{}: {}", skipped.id, skipped.reason)}</li>
                        }).collect_view()}
                        {(more > 0).then(|| view! { <li>{format!("and {more} more")}</li> })}
                    </ul>
                </details>
            });
            view! {
                <div class="bulk-report">
                    {report.list_id.map(|id| view! { <p><a href=format!("/lists/{id}")>"Open the list"</a></p> })}
                    {skipped}
                </div>
            }
        })
    })
    .into_any()
}

/// The `<option>`s of a list picker: the lists of `member_type` but `except`, static
/// ones only if `static_only`.
pub fn list_options(
    lists: &[ListRow],
    member_type: MemberType,
    except: Option<i64>,
    static_only: bool,
) -> AnyView {
    lists
        .iter()
        .filter(|list| {
            list.member_type == member_type
                && Some(list.id) != except
                && (!static_only || list.kind == ListKind::Static)
        })
        .map(|list| view! { <option value=list.id.to_string()>{list.name.clone()}</option> })
        .collect_view()
        .into_any()
}

/// After a bulk call that answered at once: its report, and the page loaded again.
fn on_done<T>(action: ServerAction<T>, selection: RowSelection, member_type: MemberType)
where
    T: leptos::server_fn::ServerFn<Output = BulkReport, Error = AppError>
        + Clone
        + Send
        + Sync
        + 'static,
{
    Effect::new(move |_| {
        if let Some(Ok(done)) = action.value().get() {
            selection.finish(done.summary(member_type), done);
        }
    });
}

#[component]
fn AddToListControl(selection: RowSelection, context: StoredValue<BulkContext>) -> AnyView {
    let add = ServerAction::<AddToList>::new();
    let member_type = context.with_value(|context| context.member_type);
    on_done(add, selection, member_type);
    let target = RwSignal::new(String::new());
    let new_name = RwSignal::new(String::new());
    let id_prefix = format!("add-{}", member_type.code());
    let select_id = format!("{id_prefix}-list");
    let name_id = format!("{id_prefix}-name");
    let options =
        context.with_value(|context| list_options(&context.lists, member_type, None, true));
    view! {
        <div class="bulk-control">
            <label for=select_id.clone()>"Add to list"</label>
            <select id=select_id on:change=move |ev| target.set(event_target_value(&ev)) prop:value=move || target.get()>
                <option value="">"Choose a list"</option>
                {options}
                <option value="new">"New list…"</option>
            </select>
            <Show when=move || target.get() == "new">
                <label for=name_id.clone()>"New list name"</label>
                <input id=name_id.clone() prop:value=move || new_name.get() on:input=move |ev| new_name.set(event_target_value(&ev)) />
            </Show>
            <button type="button" class="button primary" disabled=move || add.pending().get() on:click=move |_| {
                let target = target.get_untracked();
                add.dispatch(AddToList {
                    id: target.parse().ok(),
                    new_list: (target == "new").then(|| new_name.get_untracked()),
                    member_type,
                    selection: context.with_value(|context| selection.selection(&context.matching)),
                    from: AddedFrom::ListView,
                });
            }>"Add"</button>
            <FormAlert result=Signal::derive(move || add.value().get()) />
        </div>
    }
    .into_any()
}

#[component]
fn RemoveFromListControl(
    selection: RowSelection,
    context: StoredValue<BulkContext>,
    list: i64,
) -> AnyView {
    let remove = ServerAction::<RemoveFromList>::new();
    let member_type = context.with_value(|context| context.member_type);
    on_done(remove, selection, member_type);
    view! {
        <button type="button" class="button secondary" disabled=move || remove.pending().get() on:click=move |_| {
            remove.dispatch(RemoveFromList {
                id: list,
                member_type,
                selection: context.with_value(|context| selection.selection(&context.matching)),
            });
        }>"Remove from this list"</button>
        <FormAlert result=Signal::derive(move || remove.value().get()) />
    }
    .into_any()
}

/// Assign owner (managers and admins), Disqualify (leads), Deactivate (accounts and
/// contacts), with the progress of the job that works through the selection.
#[component]
fn BulkActionControls(selection: RowSelection, context: StoredValue<BulkContext>) -> AnyView {
    let act = ServerAction::<BulkAction>::new();
    let member_type = context.with_value(|context| context.member_type);
    // The running job's id, and its progress as last heard (from the start, then polled).
    let running = RwSignal::new(None::<i64>);
    let polled = crate::ui::polled(
        Duration::from_millis(400),
        Signal::derive(move || running.get().is_some()),
        move || {
            let job = running.get();
            async move {
                match job {
                    Some(job_id) => bulk_job_progress(job_id).await.ok(),
                    None => None,
                }
            }
        },
    );
    let latest = RwSignal::new(None::<BulkProgress>);
    Effect::new(move |_| {
        if let Some(Ok(started)) = act.value().get() {
            running.set(Some(started.job_id));
            latest.set(Some(started));
        }
    });
    Effect::new(move |_| {
        if let Some(Some(current)) = polled.get() {
            latest.set(Some(current));
        }
    });
    Effect::new(move |_| {
        let Some(current) = latest.get() else { return };
        if current.state == BulkState::Running || running.get_untracked() != Some(current.job_id) {
            return;
        }
        running.set(None);
        let message = match current.state {
            BulkState::Interrupted => current.text(),
            _ => current.report.summary(member_type),
        };
        selection.finish(message, current.report);
    });
    let busy = move || act.pending().get() || running.get().is_some();
    let (manager, owners) = context.with_value(|context| (context.manager, context.owners.clone()));
    let owner = RwSignal::new(String::new());
    let reason = RwSignal::new(LeadStatusReason::Lost.code().to_string());
    let run = move |verb: BulkVerb| {
        act.dispatch(BulkAction {
            member_type,
            selection: context.with_value(|context| selection.selection(&context.matching)),
            verb,
            owner_id: owner.get_untracked().parse().ok(),
            reason: Some(reason.get_untracked()),
        });
    };
    let prefix = member_type.code();
    let owner_id = format!("bulk-{prefix}-owner");
    let reason_id = format!("bulk-{prefix}-reason");
    view! {
        {manager.then(|| view! {
            <div class="bulk-control">
                <label for=owner_id.clone()>"New owner"</label>
                <select id=owner_id on:change=move |ev| owner.set(event_target_value(&ev))>
                    <option value="">"Choose an owner"</option>
                    {owners.into_iter().map(|user| view! { <option value=user.id.to_string()>{user.name}</option> }).collect_view()}
                </select>
                <button type="button" class="button secondary" disabled=busy on:click=move |_| run(BulkVerb::Assign)>"Assign owner"</button>
            </div>
        })}
        {(member_type == MemberType::Lead).then(|| view! {
            <div class="bulk-control">
                <label for=reason_id.clone()>"Disqualify reason"</label>
                <select id=reason_id on:change=move |ev| reason.set(event_target_value(&ev))>
                    {LeadStatusReason::ALL.iter().filter(|r| r.status() == crate::lead::LeadStatus::Disqualified).map(|r| view! {
                        <option value=r.code()>{r.label()}</option>
                    }).collect_view()}
                </select>
                <button type="button" class="button secondary" disabled=busy on:click=move |_| run(BulkVerb::Disqualify)>"Disqualify"</button>
            </div>
        })}
        {(member_type != MemberType::Lead).then(|| view! {
            <button type="button" class="button secondary" disabled=busy on:click=move |_| run(BulkVerb::Deactivate)>"Deactivate"</button>
        })}
        // Each record is written on its own: thousands take seconds.
        {move || busy().then(|| view! {
            <p class="muted" role="status">"Working through the selection…"</p>
        })}
        {move || latest.get().filter(|current| current.state == BulkState::Running).map(|current| view! {
            <ProgressMeter
                label="Bulk action progress".to_string()
                done=current.done as u64
                total=current.total as u64
                text=current.text()
            />
        })}
        <FormAlert result=Signal::derive(move || act.value().get()) />
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(matching: &str) -> BulkContext {
        BulkContext {
            member_type: MemberType::Lead,
            matching: matching.into(),
            total: 40,
            rows: vec![(4, 1), (9, 2)],
            list: None,
            export_path: "/api/leads/export.csv".into(),
            manager: false,
            owners: Vec::new(),
            lists: Vec::new(),
        }
    }

    #[test]
    fn the_export_of_the_selection_names_its_ids_after_the_view() {
        let view = context("view=my-open&q=acme");
        assert_eq!(
            view.export_url(Some(&[4, 9, 12])),
            "/api/leads/export.csv?view=my-open&q=acme&ids=4.9.12"
        );
        assert_eq!(
            view.export_url(None),
            "/api/leads/export.csv?view=my-open&q=acme"
        );
        assert_eq!(
            context("").export_url(Some(&[7])),
            "/api/leads/export.csv?ids=7"
        );
    }
}
