//! Row selection and the bulk bar of the lead, contact and account list views: row
//! checkboxes, "select all N matching" (every matching record on the server, not just the
//! page), Add to list, Remove from this list, Assign owner, Disqualify, Deactivate and
//! Export selected.

use super::api::{AddToList, BulkAction, RemoveFromList, all_lists, bulk_job_progress};
use super::{
    AddedFrom, BulkProgress, BulkReport, BulkState, BulkVerb, ListKind, ListRow, MemberType,
    SKIPPED_SHOWN, Selection,
};
use crate::auth::Role;
use crate::error::AppError;
use crate::lead::LeadStatusReason;
use crate::ui::{CsvDownload, FormAlert, ProgressMeter, ticker, use_toasts};
use leptos::prelude::*;
use std::time::Duration;

/// A list view's chosen rows (id, version as shown), or all matching; a counter the page's
/// list resource follows, bumped after a bulk action; and that action's report. It lives
/// at the page's top, so the report outlives the table the action reloads.
#[derive(Clone, Copy)]
pub struct RowSelection {
    chosen: RwSignal<Vec<(i64, i64)>>,
    all_matching: RwSignal<bool>,
    pub changed: RwSignal<u32>,
    report: RwSignal<Option<BulkReport>>,
}

impl Default for RowSelection {
    fn default() -> Self {
        RowSelection {
            chosen: RwSignal::new(Vec::new()),
            all_matching: RwSignal::new(false),
            changed: RwSignal::new(0),
            report: RwSignal::new(None),
        }
    }
}

impl RowSelection {
    /// A list view's selection, started again whenever its query (view, filters, page)
    /// changes.
    pub fn following<T: Clone + PartialEq + Send + Sync + 'static>(query: Memo<T>) -> Self {
        let selection = RowSelection::default();
        Effect::new(move |_| {
            query.track();
            selection.clear();
            selection.report.set(None);
        });
        selection
    }

    pub fn clear(&self) {
        self.chosen.set(Vec::new());
        self.all_matching.set(false);
    }

    fn is_chosen(&self, id: i64) -> bool {
        self.all_matching.get()
            || self
                .chosen
                .with(|chosen| chosen.iter().any(|(c, _)| *c == id))
    }

    fn toggle(&self, id: i64, version: i64, on: bool) {
        self.all_matching.set(false);
        self.chosen.update(|chosen| {
            chosen.retain(|(c, _)| *c != id);
            if on {
                chosen.push((id, version));
            }
        });
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
}

/// A row's checkbox; its label names the record (read by screen readers, tappable).
#[component]
pub fn RowCheck(selection: RowSelection, id: i64, version: i64, name: String) -> AnyView {
    view! {
        <td class="select-cell" data-label="Select">
            <label class="row-check">
                <input
                    type="checkbox"
                    prop:checked=move || selection.is_chosen(id)
                    on:change=move |ev| selection.toggle(id, version, event_target_checked(&ev))
                />
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
pub fn PageCheck(selection: RowSelection, rows: Vec<(i64, i64)>) -> AnyView {
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

/// What the bulk bar works on: the list view's type, query string and count, the static
/// list it shows the members of (if any), and the export of some ids or of every match.
pub struct BulkContext {
    pub member_type: MemberType,
    pub matching: String,
    pub total: i64,
    pub page_rows: usize,
    pub list: Option<i64>,
    pub export_url: Callback<Option<Vec<i64>>, String>,
}

/// The bar above a list view's table: how many are selected and what to do with them.
#[component]
pub fn BulkBar(selection: RowSelection, context: BulkContext) -> AnyView {
    let BulkContext {
        member_type,
        matching,
        total,
        page_rows,
        list,
        export_url,
    } = context;
    let count = move || {
        if selection.all_matching.get() {
            total
        } else {
            selection.chosen.with(Vec::len) as i64
        }
    };
    let noun = move || member_type.noun(count());
    let any_selected = move || count() > 0;
    let matching = StoredValue::new(matching);
    let report = selection.report;
    let select_all = move || {
        !selection.all_matching.get()
            && total > page_rows as i64
            && selection.chosen.with(Vec::len) == page_rows
    };
    view! {
        <div class="bulk-select-all" hidden=move || !select_all()>
            <button type="button" class="button secondary" on:click=move |_| selection.all_matching.set(true)>
                {format!("Select all {total} matching")}
            </button>
        </div>
        <Show when=any_selected>
            <section class="bulk-bar card" aria-label="Bulk actions">
                <p class="bulk-count" role="status">{move || format!("{} {} selected", count(), noun())}</p>
                <AddToListControl selection member_type matching report />
                {list.map(|list| view! { <RemoveFromListControl selection member_type matching list report /> })}
                <BulkActionControls selection member_type matching report />
                <CsvDownload
                    class="button secondary"
                    href=Signal::derive(move || {
                        let ids = (!selection.all_matching.get())
                            .then(|| selection.chosen.with(|chosen| chosen.iter().map(|(id, _)| *id).collect()));
                        export_url.run(ids)
                    })
                    expected=Signal::derive(count)
                    label="Export selected".to_string()
                />
                <button type="button" class="button secondary" on:click=move |_| selection.clear()>"Clear selection"</button>
            </section>
        </Show>
        <BulkReportView report />
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
#[component]
pub fn ListOptions(
    lists: crate::ui::Fetched<Result<Vec<ListRow>, AppError>>,
    member_type: MemberType,
    except: Option<i64>,
    static_only: bool,
) -> AnyView {
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                lists
                    .await
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|list| {
                        list.member_type == member_type
                            && Some(list.id) != except
                            && (!static_only || list.kind == ListKind::Static)
                    })
                    .map(|list| view! { <option value=list.id.to_string()>{list.name}</option> })
                    .collect_view()
            })}
        </Suspense>
    }
    .into_any()
}

/// After a bulk call: a toast, the list reloaded, the selection cleared.
fn on_done<T>(
    action: ServerAction<T>,
    selection: RowSelection,
    member_type: MemberType,
    report: RwSignal<Option<BulkReport>>,
) where
    T: leptos::server_fn::ServerFn<Output = BulkReport, Error = AppError>
        + Clone
        + Send
        + Sync
        + 'static,
{
    let toasts = use_toasts();
    Effect::new(move |_| {
        if let Some(Ok(done)) = action.value().get() {
            toasts.show(done.summary(member_type));
            report.set(Some(done));
            selection.clear();
            selection.changed.update(|n| *n += 1);
        }
    });
}

#[component]
fn AddToListControl(
    selection: RowSelection,
    member_type: MemberType,
    matching: StoredValue<String>,
    report: RwSignal<Option<BulkReport>>,
) -> AnyView {
    let add = ServerAction::<AddToList>::new();
    let lists = crate::ui::fetched(
        move || add.version().get(),
        move |_| all_lists(Some(member_type)),
    );
    let target = RwSignal::new(String::new());
    let new_name = RwSignal::new(String::new());
    on_done(add, selection, member_type, report);
    let id_prefix = format!("add-{}", member_type.code());
    let select_id = format!("{id_prefix}-list");
    let name_id = format!("{id_prefix}-name");
    view! {
        <div class="bulk-control">
            <label for=select_id.clone()>"Add to list"</label>
            <select id=select_id on:change=move |ev| target.set(event_target_value(&ev)) prop:value=move || target.get()>
                <option value="">"Choose a list"</option>
                <ListOptions lists member_type except=None static_only=true />
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
                    selection: selection.selection(&matching.get_value()),
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
    member_type: MemberType,
    matching: StoredValue<String>,
    list: i64,
    report: RwSignal<Option<BulkReport>>,
) -> AnyView {
    let remove = ServerAction::<RemoveFromList>::new();
    on_done(remove, selection, member_type, report);
    view! {
        <button type="button" class="button secondary" disabled=move || remove.pending().get() on:click=move |_| {
            remove.dispatch(RemoveFromList {
                id: list,
                member_type,
                selection: selection.selection(&matching.get_value()),
            });
        }>"Remove from this list"</button>
        <FormAlert result=Signal::derive(move || remove.value().get()) />
    }
    .into_any()
}

/// Assign owner (managers and admins), Disqualify (leads), Deactivate (accounts and
/// contacts), and the report of the last one: what changed and what was skipped and why.
#[component]
fn BulkActionControls(
    selection: RowSelection,
    member_type: MemberType,
    matching: StoredValue<String>,
    report: RwSignal<Option<BulkReport>>,
) -> AnyView {
    let act = ServerAction::<BulkAction>::new();
    // The running job's id, and its progress as last heard (from the start, then polled).
    let running = RwSignal::new(None::<i64>);
    let latest = RwSignal::new(None::<BulkProgress>);
    let tick = ticker(
        Duration::from_millis(400),
        Signal::derive(move || running.get().is_some()),
    );
    let polled = crate::ui::fetched(
        move || (running.get(), tick.get()),
        |(job, _)| async move {
            match job {
                Some(job_id) => bulk_job_progress(job_id).await.ok(),
                None => None,
            }
        },
    );
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
    let toasts = use_toasts();
    Effect::new(move |_| {
        let Some(current) = latest.get() else { return };
        if current.state == BulkState::Running || running.get_untracked() != Some(current.job_id) {
            return;
        }
        running.set(None);
        toasts.show(match current.state {
            BulkState::Interrupted => current.text(),
            _ => current.report.summary(member_type),
        });
        report.set(Some(current.report));
        selection.clear();
        selection.changed.update(|n| *n += 1);
    });
    let busy = move || act.pending().get() || running.get().is_some();
    let user = crate::app::use_signed_in_user();
    let owners = crate::ui::fetched(|| (), |_| crate::auth::api::user_directory());
    let owner = RwSignal::new(String::new());
    let reason = RwSignal::new(LeadStatusReason::Lost.code().to_string());
    let run = move |verb: BulkVerb| {
        act.dispatch(BulkAction {
            member_type,
            selection: selection.selection(&matching.get_value()),
            verb,
            owner_id: owner.get_untracked().parse().ok(),
            reason: Some(reason.get_untracked()),
        });
    };
    let prefix = member_type.code();
    let owner_id = format!("bulk-{prefix}-owner");
    let reason_id = format!("bulk-{prefix}-reason");
    view! {
        <Suspense>
            {move || {
                let owner_id = owner_id.clone();
                Suspend::new(async move {
                    let manager = user.await.is_ok_and(|user| user.role.includes(Role::Manager));
                    let owners = owners.await.unwrap_or_default();
                    manager.then(|| view! {
                        <div class="bulk-control">
                            <label for=owner_id.clone()>"New owner"</label>
                            <select id=owner_id on:change=move |ev| owner.set(event_target_value(&ev))>
                                <option value="">"Choose an owner"</option>
                                {owners.into_iter().map(|user| view! { <option value=user.id.to_string()>{user.name}</option> }).collect_view()}
                            </select>
                            <button type="button" class="button secondary" disabled=busy on:click=move |_| run(BulkVerb::Assign)>"Assign owner"</button>
                        </div>
                    })
                })
            }}
        </Suspense>
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
