//! My activities: the signed-in user's open tasks, overdue first, and today's appointments;
//! a task marked done leaves the list as the page loads again.

use super::api::get_my_activities;
use super::rules::is_overdue;
use super::timeline::ActivityEntry;
use super::{ActivityItem, MyActivities};
use crate::ui::ErrorPage;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn MyActivitiesPage() -> impl IntoView {
    let mine = crate::ui::fetched(|| (), |_| get_my_activities());
    view! {
        <Title text="My activities" />
        <section class="page">
            <header class="page-header">
                <h1>"My activities"</h1>
                <a class="button secondary" href=super::ActivityQuery::default().url()>"All activities"</a>
            </header>
            <Transition fallback=|| view! { <p class="loading">"Loading your activities…"</p> }>
                {move || Suspend::new(async move {
                    match mine.await {
                        Ok(mine) => view! { <Lists mine /> }.into_any(),
                        Err(error) => view! { <ErrorPage message=error.to_string() /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Lists(mine: MyActivities) -> impl IntoView {
    let today = mine.today.clone();
    let overdue = mine
        .tasks
        .iter()
        .filter(|task| is_overdue(task.due_date.as_deref(), &today))
        .count();
    let task_heading = match overdue {
        0 => format!("Open tasks ({})", mine.tasks.len()),
        n => format!("Open tasks ({}, {n} overdue)", mine.tasks.len()),
    };
    let entries = move |items: Vec<ActivityItem>, empty: &'static str| {
        if items.is_empty() {
            return view! { <p class="muted">{empty}</p> }.into_any();
        }
        let today = today.clone();
        let rows = items
            .into_iter()
            .map(|activity| {
                let late = is_overdue(activity.due_date.as_deref(), &today);
                view! { <ActivityEntry activity overdue=late /> }
            })
            .collect_view();
        view! { <ol class="timeline">{rows}</ol> }.into_any()
    };
    view! {
        <section class="card" aria-labelledby="tasks-title">
            <h2 id="tasks-title">{task_heading}</h2>
            {entries(mine.tasks, "No open tasks. Nice.")}
        </section>
        <section class="card" aria-labelledby="appointments-title">
            <h2 id="appointments-title">{format!("Today's appointments ({})", mine.appointments.len())}</h2>
            {entries(mine.appointments, "No appointments today.")}
        </section>
    }
}
