//! `/lists` (every list), `/lists/new`, `/lists/{id}` (a list: its counts, members, export
//! and set operations), and what record pages show: "Member of" and consent.

use super::api::{
    AddToList, CopyListMembers, CopyListToStatic, CreateList, DeleteList, RemoveFromList,
    RemoveListMembersOf, SetConsent, all_lists, get_list,
};
use super::selection::list_options;
use super::{AddedFrom, Consent, ListDetail, ListKind, ListRow, MemberType, RecordLists};
use crate::error::AppError;
use crate::ui::enhance::{FieldMessage, FormMessage, ServerForm};
use crate::ui::{CsvDownload, ErrorPage};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::Serialize;

/// The link that starts a dynamic list from a list view's query string.
#[derive(Serialize)]
struct NewListLink<'a> {
    #[serde(rename = "type")]
    member_type: &'a str,
    kind: &'a str,
    query: &'a str,
}

/// `/lists/new` prefilled as a dynamic list of `member_type` showing `query`.
pub fn save_view_url(member_type: MemberType, query: &str) -> String {
    crate::url_state::url(
        "/lists/new",
        &NewListLink {
            member_type: member_type.code(),
            kind: ListKind::Dynamic.code(),
            query,
        },
    )
}

#[component]
pub fn ListsPage() -> impl IntoView {
    let lists = crate::ui::fetched(|| (), |_| all_lists(None));
    view! {
        <Title text="Marketing lists" />
        <section class="page">
            <header class="page-header">
                <h1>"Marketing lists"</h1>
                <a class="button primary" href="/lists/new">"New list"</a>
            </header>
            <Suspense fallback=|| view! { <p class="loading">"Loading lists…"</p> }>
                {move || Suspend::new(async move {
                    match lists.await {
                        Ok(lists) if lists.is_empty() => view! {
                            <div class="card empty-state"><p>"No lists yet. Select records on a lead, contact or account list and add them to a new list, or save a view as a dynamic list."</p></div>
                        }.into_any(),
                        Ok(lists) => view! {
                            <table class="data-table">
                                <caption class="visually-hidden">"Marketing lists"</caption>
                                <thead><tr>
                                    <th scope="col">"Name"</th><th scope="col">"Members of type"</th>
                                    <th scope="col">"Kind"</th><th scope="col">"Members"</th>
                                    <th scope="col">"Owner"</th><th scope="col">"Last changed"</th>
                                </tr></thead>
                                <tbody>
                                    {lists.into_iter().map(|list| view! {
                                        <tr>
                                            <td data-label="Name"><a href=format!("/lists/{}", list.id)>{list.name}</a></td>
                                            <td data-label="Members of type">{list.member_type.label()}</td>
                                            <td data-label="Kind">{list.kind.label()}</td>
                                            <td data-label="Members">{list.members.map_or_else(|| "By view".to_string(), |n| n.to_string())}</td>
                                            <td data-label="Owner">{list.owner_name}</td>
                                            <td data-label="Last changed">{crate::ui::short_time(&list.modified_at)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(error) => view! { <ErrorPage message=error.to_string() /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// A new list, sent by `ui::enhance`: the new list opens, or the errors show by their fields.
#[component]
pub fn NewListPage() -> impl IntoView {
    use crate::ui::inputs::text_input;
    let params = use_query_map();
    let param = move |name: &str| params.with_untracked(|p| p.get(name).unwrap_or_default());
    let member_type = param("type");
    let kind = param("kind");
    let query = param("query");
    let dynamic = kind == ListKind::Dynamic.code();
    view! {
        <Title text="New list" />
        <section class="page">
            <header class="page-header"><h1>"New list"</h1></header>
            <div class="card">
                <ServerForm action={<CreateList as ServerFn>::PATH} done="List created." open="/lists/{}">
                    {text_input("list", "name", "Name", "text", "off", String::new())}
                    <div class="field">
                        <label for="list-member_type">"Members are"</label>
                        <select id="list-member_type" name="list[member_type]" aria-describedby="list-member_type-error">
                            {MemberType::ALL.iter().map(|t| view! {
                                <option value=t.code() selected=member_type == t.code()>{t.label()}</option>
                            }).collect_view()}
                        </select>
                        <FieldMessage field="member_type" id="list-member_type-error" />
                    </div>
                    <fieldset class="field">
                        <legend>"Kind"</legend>
                        <label class="choice">
                            <input type="radio" name="list[kind]" value="static" checked=!dynamic />
                            " Static: the records you add"
                        </label>
                        <label class="choice">
                            <input type="radio" name="list[kind]" value="dynamic" checked=dynamic />
                            " Dynamic: whoever matches a saved view, now"
                        </label>
                    </fieldset>
                    <div class="field">
                        <label for="list-query">"View (dynamic lists)"</label>
                        <input id="list-query" name="list[query]" value=query aria-describedby="list-query-help list-query-error" />
                        <p id="list-query-help" class="muted">"The filters of a lead, contact or account list: use Save view as list there, or paste its address."</p>
                        <FieldMessage field="query" id="list-query-error" />
                    </div>
                    {text_input("list", "purpose", "Purpose", "text", "off", String::new())}
                    <div class="field">
                        <label for="list-description">"Description"</label>
                        <textarea id="list-description" name="list[description]" rows="3" aria-describedby="list-description-error"></textarea>
                        <FieldMessage field="description" id="list-description-error" />
                    </div>
                    <FormMessage />
                    <button type="submit" class="button primary">"Create list"</button>
                </ServerForm>
            </div>
        </section>
    }
}

#[component]
pub fn ListPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let list = crate::ui::fetched(id, |id| async move {
        match id {
            Some(id) => get_list(id).await,
            None => Err(AppError::NotFound("This list".into())),
        }
    });
    // Every list, for the copy and remove pickers (filtered to this list's type there).
    let others = crate::ui::fetched(|| (), |_| all_lists(None));
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading the list…"</p> }>
            {move || Suspend::new(async move {
                let others = others.await.unwrap_or_default();
                match list.await {
                    Ok(detail) => view! { <ListView detail others /> }.into_any(),
                    Err(error) => view! { <ErrorPage message=error.to_string() /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ListView(detail: ListDetail, others: Vec<ListRow>) -> impl IntoView {
    let members = detail.member_type.noun(detail.members);
    let facts = [
        ("Members are", detail.member_type.label().to_string()),
        ("Kind", detail.kind.label().to_string()),
        ("Members", format!("{} {members}", detail.members)),
        ("Can be emailed", detail.emailable.to_string()),
        ("Owner", detail.owner_name.clone()),
        (
            "Last changed",
            format!(
                "{} by {}",
                crate::ui::short_time(&detail.modified_at),
                detail.modified_by
            ),
        ),
    ]
    .into_iter()
    .chain(
        detail
            .qualified_since_added
            .map(|n| ("Qualified since added", n.to_string())),
    )
    .chain(detail.purpose.clone().map(|p| ("Purpose", p)))
    .chain(detail.description.clone().map(|d| ("Description", d)))
    .map(|(label, value)| view! { <dt>{label}</dt><dd>{value}</dd> })
    .collect_view();
    view! {
        <Title text=crate::ui::inputs::user_text(format!("{} · List", detail.name)) />
        <section class="page">
            <header class="page-header record-header">
                <div>
                    <p class="record-kind">"Marketing list"</p>
                    <h1>{detail.name.clone()}</h1>
                </div>
                <div class="record-actions">
                    <a class="button primary" href=detail.members_url()>"View members"</a>
                </div>
            </header>
            <section class="card" aria-labelledby="list-facts">
                <h2 id="list-facts">"About this list"</h2>
                <dl class="fields">{facts}</dl>
            </section>
            <section class="card" aria-labelledby="list-export">
                <h2 id="list-export">"Export"</h2>
                <p class="list-actions">
                    <CsvDownload
                        href=detail.export_url(false)
                        expected=if detail.member_type.has_consent() { detail.emailable } else { detail.members }
                        label="Export CSV".to_string()
                    />
                    {detail.member_type.has_consent().then(|| view! {
                        " · "
                        <CsvDownload
                            href=detail.export_url(true)
                            expected=detail.members
                            label="Export CSV including those who opted out".to_string()
                        />
                    })}
                </p>
                {detail.member_type.has_consent().then(|| view! {
                    <p class="muted">"The export leaves out members without an email address or who asked not to be emailed."</p>
                })}
            </section>
            <ListOperations detail=detail.clone() others />
        </section>
    }
}

/// Copy into another list or a new static one, remove the members of another list, delete;
/// each a form `ui::enhance` sends.
#[component]
fn ListOperations(detail: ListDetail, others: Vec<ListRow>) -> impl IntoView {
    let id = detail.id;
    let is_static = detail.kind == ListKind::Static;
    let member_type = detail.member_type;
    let copy_targets = list_options(&others, member_type, Some(id), true);
    let removable = list_options(&others, member_type, Some(id), false);
    view! {
        <section class="card" aria-labelledby="list-operations">
            <h2 id="list-operations">"Copy and combine"</h2>
            <ServerForm action={<CopyListMembers as ServerFn>::PATH} class="bulk-control" done="{} added to the other list." browser_checks=true>
                <input type="hidden" name="from" value=id />
                <label for="copy-into">"Copy members into"</label>
                <select id="copy-into" name="id" required>
                    <option value="">"Choose a list"</option>
                    {copy_targets}
                </select>
                <button type="submit" class="button secondary">"Copy"</button>
                <FormMessage />
            </ServerForm>
            <ServerForm action={<CopyListToStatic as ServerFn>::PATH} class="bulk-control" done="Static copy made." open="/lists/{}">
                <input type="hidden" name="id" value=id />
                <label for="copy-new-name">"New static list named"</label>
                <input id="copy-new-name" name="name" required aria-describedby="copy-new-name-error" />
                <button type="submit" class="button secondary">"Make a static copy"</button>
                <FieldMessage field="name" id="copy-new-name-error" />
                <FormMessage />
            </ServerForm>
            {(is_static && detail.can_change).then(|| view! {
                <ServerForm action={<RemoveListMembersOf as ServerFn>::PATH} class="bulk-control" done="{} removed from this list." reload=true browser_checks=true>
                    <input type="hidden" name="id" value=id />
                    <label for="suppress-list">"Remove the members of"</label>
                    <select id="suppress-list" name="other" required>
                        <option value="">"Choose a list"</option>
                        {removable}
                    </select>
                    <button type="submit" class="button secondary">"Remove"</button>
                    <FormMessage />
                </ServerForm>
            })}
            {detail.can_change.then(|| view! {
                <ServerForm action={<DeleteList as ServerFn>::PATH} done="List deleted.">
                    <input type="hidden" name="id" value=id />
                    <button type="submit" class="button secondary">"Delete list"</button>
                    <FormMessage />
                </ServerForm>
            })}
        </section>
    }
}

/// The static lists a lead, contact or account is on, with Remove, and "Add to list". Each
/// change loads the page again.
#[component]
pub fn MemberOf(member_type: MemberType, id: i64, lists: RecordLists) -> impl IntoView {
    // This record alone, as a list's bulk actions take it.
    let this = move || {
        view! {
            <input type="hidden" name="member_type" value=member_type.code() />
            <input type="hidden" name="selection[ids][0]" value=id />
            <input type="hidden" name="selection[versions][0]" value="0" />
        }
    };
    let member_of = if lists.member_of.is_empty() {
        view! { <p class="muted">"Not on any list."</p> }.into_any()
    } else {
        view! {
            <ul class="link-list">
                {lists.member_of.into_iter().map(|list| {
                    let label = format!("Remove from {}", list.name);
                    view! {
                        <li>
                            <a href=format!("/lists/{}", list.list_id)>{list.name}</a>
                            <span class="muted">{format!(" added {} by {} from {}", crate::ui::short_time(&list.added_at), list.added_by, list.added_from)}</span>
                            <ServerForm action={<RemoveFromList as ServerFn>::PATH} class="inline-form" done="Removed from the list." reload=true>
                                <input type="hidden" name="id" value=list.list_id />
                                {this()}
                                <button type="submit" class="button secondary" aria-label=label>"Remove"</button>
                                <FormMessage />
                            </ServerForm>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <section class="card" aria-labelledby="member-of-title">
            <h2 id="member-of-title">"Member of"</h2>
            {member_of}
            {(!lists.can_join.is_empty()).then(|| view! {
                <ServerForm action={<AddToList as ServerFn>::PATH} class="bulk-control" done="Added to the list." reload=true browser_checks=true>
                    {this()}
                    <input type="hidden" name="from" value=AddedFrom::Record.code() />
                    <label for="member-of-add">"Add to list"</label>
                    <select id="member-of-add" name="id" required>
                        <option value="">"Choose a list"</option>
                        {lists.can_join.into_iter().map(|list| view! { <option value=list.id.to_string()>{list.name}</option> }).collect_view()}
                    </select>
                    <button type="submit" class="button secondary">"Add"</button>
                    <FormMessage />
                </ServerForm>
            })}
        </section>
    }
}

/// A lead's or contact's do-not-email/phone/mail flags; saving moves the record's version,
/// so the page loads again.
#[component]
pub fn ConsentPanel(
    member_type: MemberType,
    id: i64,
    version: i64,
    consent: Consent,
    can_edit: bool,
) -> impl IntoView {
    let flags = [
        ("do_not_email", "Do not email", consent.do_not_email),
        ("do_not_phone", "Do not phone", consent.do_not_phone),
        ("do_not_mail", "Do not mail", consent.do_not_mail),
    ];
    view! {
        <section class="card" aria-labelledby="consent-title">
            <h2 id="consent-title">"Consent"</h2>
            <ServerForm action={<SetConsent as ServerFn>::PATH} done="Consent saved." reload=true>
                <input type="hidden" name="member_type" value=member_type.code() />
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="version" value=version />
                <fieldset class="plain" disabled=!can_edit>
                    <legend class="visually-hidden">"Consent"</legend>
                    {flags.into_iter().map(|(field, label, set)| view! {
                        <label class="choice" for=format!("consent-{field}")>
                            <input type="checkbox" id=format!("consent-{field}") name=format!("consent[{field}]")
                                value="true" checked=set />
                            {format!(" {label}")}
                        </label>
                    }).collect_view()}
                    {can_edit.then(|| view! { <button type="submit" class="button secondary">"Save consent"</button> })}
                </fieldset>
                <FormMessage />
            </ServerForm>
        </section>
    }
}
