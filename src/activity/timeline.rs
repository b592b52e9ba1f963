//! A record's timeline card: quick entry of an activity and the newest entries, with the
//! activities of related records rolled up. Logging an activity and marking a task done are
//! forms `ui::enhance` sends; each success loads the page again (a lead's score follows an
//! activity, so the whole record is rendered anew).

use super::api::{LogActivity, SetActivityDone, TIMELINE_PAGE, get_timeline};
use super::rules::event_text;
use super::{ActivityItem, ActivityKind, CallDirection, RecordType, TimelineEntry, TimelinePage};
use crate::error::AppError;
use crate::ui::enhance::{FormMessage, ServerForm};
use crate::ui::inputs::text_input;
use crate::ui::short_time;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// A timeline's data: the newest entries, as many as the address asks for
/// (`?timeline=50` after two presses of "Show older"). Pages create it at their top level
/// and hand it to `Timeline`.
#[derive(Clone, Copy)]
pub struct TimelineState {
    regarding: RecordType,
    limit: i64,
    page: crate::ui::Fetched<Result<TimelinePage, AppError>>,
}

impl TimelineState {
    pub fn new(
        regarding: RecordType,
        record_id: impl Fn() -> Option<i64> + Send + Sync + 'static,
    ) -> TimelineState {
        let query = leptos_router::hooks::use_query_map();
        let limit = query
            .with_untracked(|query| query.get("timeline")?.parse::<i64>().ok())
            .unwrap_or(TIMELINE_PAGE)
            .max(TIMELINE_PAGE);
        let page = crate::ui::fetched(record_id, move |id| async move {
            match id {
                Some(id) => get_timeline(regarding, id, limit).await,
                None => Err(AppError::NotFound(format!("This {}", regarding.code()))),
            }
        });
        TimelineState {
            regarding,
            limit,
            page,
        }
    }
}

/// The timeline card of the record `record_id`.
#[component]
pub fn Timeline(state: TimelineState, record_id: i64) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="timeline-title">
            <h2 id="timeline-title">"Timeline"</h2>
            <QuickEntry regarding=state.regarding record_id />
            <Transition fallback=|| view! { <p class="loading">"Loading the timeline…"</p> }>
                {move || Suspend::new(async move {
                    match state.page.await {
                        Ok(page) => view! { <Entries page state record_id /> }.into_any(),
                        Err(error) => view! { <p role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Entries(page: TimelinePage, state: TimelineState, record_id: i64) -> impl IntoView {
    if page.entries.is_empty() {
        return view! { <p class="muted">"Nothing has happened here yet."</p> }.into_any();
    }
    let own = (state.regarding, record_id);
    let items = page
        .entries
        .into_iter()
        .map(|entry| match entry {
            TimelineEntry::Activity(activity) => view! { <ActivityEntry activity own /> }.into_any(),
            TimelineEntry::Event(event) => view! {
                <li class="timeline-item timeline-event">
                    <p class="timeline-title"><span class="badge">"Update"</span>" "{event_text(&event)}</p>
                    <p class="muted">{format!("{} · {}", event.changed_by, short_time(&event.changed_at))}</p>
                </li>
            }
            .into_any(),
        })
        .collect_view();
    view! {
        <ol class="timeline" aria-label="Timeline entries, newest first">{items}</ol>
        {page.more.then(|| view! {
            <a class="button secondary" href=format!("?timeline={}#timeline-title", state.limit + TIMELINE_PAGE)>
                "Show older"
            </a>
        })}
    }
    .into_any()
}

/// One activity: what it is, its details, and where it was logged when rolled up.
#[component]
pub fn ActivityEntry(
    activity: ActivityItem,
    /// The page's own record: activities on other records say where they are.
    #[prop(optional)]
    own: Option<(RecordType, i64)>,
    /// A task past its due date (My activities flags it).
    #[prop(optional)]
    overdue: bool,
) -> impl IntoView {
    let on_other = own != Some((activity.regarding_type, activity.regarding_id));
    let origin = on_other.then(|| {
        view! {
            " · on "{activity.regarding_type.label()}": "
            <a href=activity.regarding_type.url(activity.regarding_id)>{activity.regarding_name.clone()}</a>
        }
    });
    let details = activity.details().join(" · ");
    let is_open_task = activity.kind == ActivityKind::Task && !activity.done;
    let (id, version, subject) = (activity.id, activity.version, activity.subject.clone());
    view! {
        <li class="timeline-item" class:overdue=overdue>
            <p class="timeline-title">
                {overdue.then(|| view! { <span class="badge overdue">"Overdue"</span>" " })}
                <span class="badge">{activity.kind.label()}</span>
                " "{activity.subject.clone()}
                {(activity.kind == ActivityKind::Task && activity.done).then(|| view! { " " <span class="badge done">"Done"</span> })}
            </p>
            {(!details.is_empty()).then(|| view! { <p>{details}</p> })}
            {activity.body.clone().map(|body| view! { <p class="timeline-body">{body}</p> })}
            <p class="muted">{format!("{} · {}", activity.owner_name, short_time(&activity.created_at))}{origin}</p>
            {is_open_task.then(|| view! {
                <ServerForm action={<SetActivityDone as ServerFn>::PATH} done="Task done." reload=true>
                    <input type="hidden" name="id" value=id />
                    <input type="hidden" name="version" value=version />
                    <input type="hidden" name="done" value="true" />
                    <button type="submit" class="button secondary" aria-label=format!("Mark done: {subject}")>
                        "Mark done"
                    </button>
                    <FormMessage />
                </ServerForm>
            })}
        </li>
    }
}

/// Logs a note (the default), call, task or appointment: pick the kind, type, save.
#[component]
fn QuickEntry(regarding: RecordType, record_id: i64) -> impl IntoView {
    let form = "activity";
    let kind_choices = ActivityKind::ALL
        .iter()
        .map(|choice| {
            view! {
                <label class="choice">
                    <input type="radio" name="activity[kind]" value=choice.code()
                        checked=*choice == ActivityKind::Note />
                    {choice.label()}
                </label>
            }
        })
        .collect_view();
    // The parts of one kind only: shown, and sent, while that kind is chosen (ui::toggle).
    let only_for = |kind: ActivityKind| format!("activity[kind]={}", kind.code());
    // A save loads the page again, empty and back on a note; a failed one keeps what was typed.
    view! {
            <ServerForm action={<LogActivity as ServerFn>::PATH} class="quick-entry" done="Activity logged." reload=true>
                <input type="hidden" name="regarding" value=regarding.code() />
                <input type="hidden" name="record_id" value=record_id />
                <fieldset class="plain choices">
                    <legend>"Log an activity"</legend>
                    {kind_choices}
                </fieldset>
                {text_input(form, "subject", "Subject", "text", "off", String::new())}
                <fieldset class="plain" data-when=only_for(ActivityKind::PhoneCall) hidden disabled>
                    <div class="form-grid">
                        <div class="field">
                            <label for="activity-direction">"Direction"</label>
                            <select id="activity-direction" name="activity[direction]">
                                {CallDirection::ALL.iter().map(|d| view! {
                                    <option value=d.code() selected=*d == CallDirection::Outbound>{d.label()}</option>
                                }).collect_view()}
                            </select>
                        </div>
                        {text_input(form, "outcome", "Outcome", "text", "off", String::new())}
                    </div>
                </fieldset>
                <fieldset class="plain" data-when=only_for(ActivityKind::Task) hidden disabled>
                    {text_input(form, "due_date", "Due date", "date", "off", String::new())}
                </fieldset>
                <fieldset class="plain" data-when=only_for(ActivityKind::Appointment) hidden disabled>
                    <div class="form-grid">
                        {text_input(form, "starts_at", "Starts (your time)", "datetime-local", "off", String::new())}
                        {text_input(form, "ends_at", "Ends (your time)", "datetime-local", "off", String::new())}
                        <input type="hidden" name="activity[utc_offset_minutes]" data-utc-offset="" />
                        {text_input(form, "location", "Location", "text", "off", String::new())}
                    </div>
                </fieldset>
                <div class="field">
                    <label for="activity-body">"Details"</label>
                    <textarea id="activity-body" name="activity[body]" rows="2"></textarea>
                </div>
                <FormMessage />
                <button type="submit" class="button primary">"Save activity"</button>
            </ServerForm>
    }
}

/// Gives the appointment forms of the page the browser's time zone (the server cannot know
/// it): the minutes `Date.getTimezoneOffset` says.
#[cfg(feature = "hydrate")]
pub fn install() {
    use wasm_bindgen::JsCast;
    // Whole minutes, formatted as an integer: formatting the f64 would bring float printing
    // into the WASM for nothing.
    let offset = (js_sys::Date::new_0().get_timezone_offset() as i32).to_string();
    let Ok(inputs) = document().query_selector_all("input[data-utc-offset]") else {
        return;
    };
    for index in 0..inputs.length() {
        if let Some(input) = inputs
            .item(index)
            .and_then(|input| input.dyn_into::<web_sys::HtmlInputElement>().ok())
        {
            input.set_value(&offset);
        }
    }
}
