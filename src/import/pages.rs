//! The import pages: upload and the import history (`/import`), one job's mapping, dry run,
//! run with its progress bar, result and undo (`/import/:id`), and the progress bar every
//! page shows while the user's import runs.

use super::api::{
    CheckImport, RunImport, UndoImport, import_history, import_job, import_progress, running_import,
};
use super::{
    DryRun, DuplicateMode, ImportEntity, ImportPageQuery, JobStatus, JobView, Progress, UndoReport,
};
use crate::error::AppError;
use crate::ui::enhance::{FormMessage, send_in_place};
use crate::ui::{ErrorPage, ProgressMeter, short_time};
use crate::url_state::read;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_params_map};
use std::time::Duration;

/// "1,234 of 5,000 rows · 812 rows/s · about 5 s left".
pub fn progress_text(progress: &Progress) -> String {
    let mut text = format!("{} of {} rows", progress.rows_done, progress.rows_total);
    if progress.rows_per_second > 0 {
        text.push_str(&format!(" · {} rows/s", progress.rows_per_second));
    }
    if let Some(left) = progress.seconds_left {
        text.push_str(&match left {
            0..=59 => format!(" · about {left} s left"),
            _ => format!(" · about {} min left", left.div_ceil(60)),
        });
    }
    text
}

#[component]
fn ProgressBar(progress: Progress) -> impl IntoView {
    view! {
        <ProgressMeter
            label=format!("Import #{} progress", progress.job_id)
            done=progress.rows_done
            total=progress.rows_total
            text=progress_text(&progress)
        />
    }
}

/// The bar every page shows while the signed-in user's import runs; it survives reloads
/// because the job's state is on the server.
#[component]
pub fn RunningImportBar() -> impl IntoView {
    let progress = crate::ui::fetched(|| (), |_| running_import());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                progress.await.ok().flatten().map(|initial| view! { <RunningImportProgress initial /> })
            })}
        </Suspense>
    }
}

/// The running import's bar, polled until the import ends (then it goes).
#[island]
fn RunningImportProgress(initial: Progress) -> impl IntoView {
    let running = RwSignal::new(true);
    let polled = crate::ui::polled(Duration::from_secs(2), running.into(), running_import);
    let current = move || match polled.get() {
        Some(Ok(now)) => now,
        Some(Err(_)) => None,
        None => Some(initial),
    };
    Effect::new(move |_| {
        if current().is_none() {
            running.set(false);
        }
    });
    move || {
        current().map(|progress| view! {
            <aside class="running-import" aria-label="Running import">
                <a href=format!("/import/{}", progress.job_id)>{format!("Import #{} running", progress.job_id)}</a>
                <ProgressBar progress />
            </aside>
        })
    }
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let location = use_location();
    let query = Memo::new(move |_| {
        location
            .search
            .with(|search| read::<ImportPageQuery>(search))
    });
    let history = crate::ui::fetched(|| (), |_| import_history());
    view! {
        <Title text="Import" />
        <section class="page">
            <header class="page-header"><h1>"Import"</h1></header>
            <section class="card" aria-labelledby="upload-title">
                <h2 id="upload-title">"Upload files"</h2>
                <p class="muted">
                    "CSV files as Excel, Salesforce or Dynamics 365 write them. Choose several files of an export (Account.csv, Contact.csv, Lead.csv, Opportunity.csv, Task.csv) to import them as one job whose references resolve. You check the columns and a dry run before anything is written."
                </p>
                {move || query.get().refused.map(|message| view! {
                    <p class="form-alert" role="alert" id="file-error">{message}</p>
                })}
                <form method="post" action="/api/import/upload" enctype="multipart/form-data">
                    <div class="field">
                        <label for="import-entity">"A single file holds"</label>
                        <select id="import-entity" name="entity">
                            {ImportEntity::ALL.iter().map(|entity| view! {
                                <option value=entity.code() selected=*entity == ImportEntity::Leads>{entity.label()}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="import-file">"CSV files"</label>
                        <input id="import-file" type="file" name="file" accept=".csv,text/csv" multiple required
                            aria-describedby=move || query.get().refused.map(|_| "file-error") />
                    </div>
                    <button type="submit" class="button">"Upload"</button>
                </form>
            </section>
            <section class="card" aria-labelledby="history-title">
                <h2 id="history-title">"Import history"</h2>
                <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match history.await {
                            Ok(jobs) if jobs.is_empty() => view! { <p class="muted">"No imports yet."</p> }.into_any(),
                            Ok(jobs) => view! {
                                <table class="data-table">
                                    <thead><tr>
                                        <th scope="col">"Import"</th><th scope="col">"Files"</th>
                                        <th scope="col">"By"</th><th scope="col">"Uploaded"</th>
                                        <th scope="col">"Status"</th><th scope="col">"Rows"</th>
                                        <th scope="col">"Created"</th><th scope="col">"Updated"</th>
                                        <th scope="col">"Skipped"</th><th scope="col">"Rejected"</th>
                                    </tr></thead>
                                    <tbody>
                                        {jobs.into_iter().map(|job| view! {
                                            <tr>
                                                <td data-label="Import"><a href=format!("/import/{}", job.id)>{format!("#{}", job.id)}</a></td>
                                                <td data-label="Files">{job.files}</td>
                                                <td data-label="By">{job.user_name}</td>
                                                <td data-label="Uploaded">{short_time(&job.uploaded_at)}</td>
                                                <td data-label="Status">{job.status.label()}</td>
                                                <td data-label="Rows">{job.rows_total}</td>
                                                <td data-label="Created">{job.created}</td>
                                                <td data-label="Updated">{job.updated}</td>
                                                <td data-label="Skipped">{job.skipped}</td>
                                                <td data-label="Rejected">{job.rejected}</td>
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
        </section>
    }
}

#[component]
pub fn ImportJobPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let job = crate::ui::fetched(id, |id| async move {
        match id {
            Some(id) => import_job(id).await,
            None => Err(AppError::NotFound("This import".into())),
        }
    });
    view! {
        <Title text="Import" />
        <section class="page">
            <Suspense fallback=|| view! { <p class="loading">"Loading the import…"</p> }>
                {move || Suspend::new(async move {
                    match job.await {
                        Ok(job) => view! { <ImportJob job /> }.into_any(),
                        Err(error) => view! { <ErrorPage message=error.to_string() /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// One import: its mapping and dry run, its run's progress, its result and undo. An island:
/// the job is loaded again in place after a run, an undo, or the end of a run.
#[island(lazy)]
fn ImportJob(job: JobView) -> impl IntoView {
    let id = job.id;
    let current = RwSignal::new(job);
    let reload = Callback::new(move |()| {
        leptos::task::spawn_local(async move {
            if let Ok(job) = import_job(id).await {
                current.set(job);
            }
        })
    });
    let forms = JobForms {
        found: RwSignal::new(None),
        checked: RwSignal::new(false),
        undone: RwSignal::new(None),
        reload,
    };
    let running = Memo::new(move |_| current.with(|job| job.status == JobStatus::Running));
    let progress = crate::ui::polled(Duration::from_secs(1), running.into(), move || {
        import_progress(id)
    });
    Effect::new(move |_| {
        if let Some(Ok(now)) = progress.get()
            && now.status != Some(JobStatus::Running)
            && running.get_untracked()
        {
            reload.run(());
        }
    });
    move || view! { <JobPage job=current.get() forms progress /> }
}

/// What the job's forms answered, and the job loaded again after a change.
#[derive(Clone, Copy)]
struct JobForms {
    /// What the last dry run that passed found.
    found: RwSignal<Option<DryRun>>,
    /// A dry run checked what the mapping form shows; a change to the form calls for another.
    checked: RwSignal<bool>,
    undone: RwSignal<Option<UndoReport>>,
    reload: Callback<()>,
}

#[component]
fn JobPage(
    job: JobView,
    forms: JobForms,
    progress: crate::ui::Polled<Result<Progress, AppError>>,
) -> impl IntoView {
    let id = job.id;
    let names: Vec<&str> = job.files.iter().map(|f| f.name.as_str()).collect();
    let title = format!("Import #{id}: {}", names.join(", "));
    let error_files = error_files_of(&job);
    let summary = format!(
        "{} from {} · uploaded by {} {} · {}",
        job.entities(),
        job.source_system.label(),
        job.user_name,
        short_time(&job.uploaded_at),
        job.status.label()
    );
    let body = match job.status {
        JobStatus::Uploaded => view! { <MappingStep job=job.clone() forms /> }.into_any(),
        JobStatus::Running => view! {
            <section class="card" aria-labelledby="run-title">
                <h2 id="run-title">"Importing"</h2>
                {move || progress.get().and_then(Result::ok).map(|current| view! { <ProgressBar progress=current /> })}
                <p class="muted">"You can leave this page: the import goes on, and every page shows its progress."</p>
            </section>
        }.into_any(),
        JobStatus::Done | JobStatus::Undone => {
            let counts = job.progress.counts;
            let undone = job.undone_at.clone();
            view! {
                <section class="card" aria-labelledby="result-title">
                    <h2 id="result-title">{if undone.is_some() { "Undone" } else { "Imported" }}</h2>
                    <CountList counts future=false />
                    {(counts.rejected > 0).then(|| view! { <ErrorFileLinks files=error_files.clone() /> })}
                    {undone.map(|at| view! { <p>{format!("Undone {}.", short_time(&at))}</p> })}
                    {(job.status == JobStatus::Done).then(|| view! {
                        <form method="post" action={<UndoImport as ServerFn>::PATH} novalidate
                            on:submit=move |event| send_in_place(event, move |report: UndoReport| {
                                forms.undone.set(Some(report));
                                forms.reload.run(());
                            })>
                            <input type="hidden" name="id" value=id />
                            <p class="muted">"Undo deletes the records this import created and restores the ones it updated; records edited since are left as they are."</p>
                            <button type="submit" class="button secondary">"Undo this import"</button>
                            <FormMessage />
                        </form>
                    })}
                    {move || forms.undone.get().map(|report| view! {
                        <div role="status">
                            <p>{format!("Deleted {} created records and restored {} updated ones.", report.deleted, report.restored)}</p>
                            {(!report.kept.is_empty()).then(|| view! {
                                <p>"Left as they are, because they were edited since the import:"</p>
                                <ul>{report.kept.into_iter().map(|(title, url)| view! { <li><a href=url>{title}</a></li> }).collect_view()}</ul>
                            })}
                        </div>
                    })}
                </section>
            }.into_any()
        }
    };
    view! {
        <header class="page-header">
            <h1>{title}</h1>
            <a class="button secondary" href="/import">"All imports"</a>
        </header>
        <p class="muted">{summary}</p>
        {body}
    }
}

#[component]
fn CountList(counts: super::Counts, future: bool) -> impl IntoView {
    let label = |now: &'static str, then: &'static str| if future { now } else { then };
    view! {
        <dl class="import-counts">
            <div><dt>"Rows"</dt><dd>{counts.rows}</dd></div>
            <div><dt>{label("To create", "Created")}</dt><dd>{counts.created}</dd></div>
            <div><dt>{label("To update", "Updated")}</dt><dd>{counts.updated}</dd></div>
            <div><dt>"Unchanged"</dt><dd>{counts.unchanged}</dd></div>
            <div><dt>{label("To skip", "Skipped")}</dt><dd>{counts.skipped}</dd></div>
            <div><dt>"Rejected"</dt><dd>{counts.rejected}</dd></div>
        </dl>
    }
}

/// Each file's error file: its address and the file's name.
fn error_files_of(job: &JobView) -> Vec<(String, String)> {
    job.files
        .iter()
        .enumerate()
        .map(|(position, file)| {
            (
                format!("/api/import/{}/errors.csv?file={position}", job.id),
                file.name.clone(),
            )
        })
        .collect()
}

/// The links to each file's error file (the rejected rows with an error column).
#[component]
fn ErrorFileLinks(files: Vec<(String, String)>) -> impl IntoView {
    let single = files.len() == 1;
    view! {
        <ul class="error-files">
            {files.into_iter().map(|(url, name)| view! {
                <li>
                    <a href=url download>{if single { "Download the error file".to_string() } else { format!("Download the error file of {name}") }}</a>
                    " (the rejected rows with an error column, to fix and import again)"
                </li>
            }).collect_view()}
        </ul>
    }
}

/// One file's columns: each column's header, sample values and the field it fills.
#[component]
fn FileMapping(position: usize, file: super::FileView, single: bool) -> impl IntoView {
    let fields = file.fields.clone();
    let rows = file
        .columns
        .iter()
        .enumerate()
        .map(|(column, view)| {
            let select_id = format!("mapping-{position}-{column}");
            let current = view.field.clone().unwrap_or_default();
            let options = fields
                .iter()
                .map(|(name, label)| {
                    view! { <option value=name.clone() selected=*name == current>{label.clone()}</option> }
                })
                .collect_view();
            view! {
                <tr>
                    <th scope="row"><label for=select_id.clone()>{view.header.clone()}</label></th>
                    <td data-label="Sample values" class="muted">{view.samples.join(" · ")}</td>
                    <td data-label="Leadflow field">
                        <select id=select_id name=format!("mappings[{position}][{column}]")>
                            <option value="" selected=current.is_empty()>"(leave out)"</option>
                            {options}
                        </select>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let caption = format!(
        "{}: {} ({} rows)",
        file.name,
        file.entity.label(),
        file.rows
    );
    view! {
        <table class="data-table mapping-table">
            {(!single).then(|| view! { <caption>{caption}</caption> })}
            <thead><tr><th scope="col">"Column"</th><th scope="col">"Sample values"</th><th scope="col">"Leadflow field"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// The value-mapping step: each option value a file uses that Leadflow does not know (and
/// each option column's blank cells), with the Leadflow value it means.
#[component]
fn ValueMapping(unknown: Vec<super::UnknownValue>, single: bool) -> impl IntoView {
    let rows = unknown
        .into_iter()
        .enumerate()
        .map(|(at, value)| {
            let select_id = format!("value-{at}");
            let shown = if value.value.is_empty() {
                "(blank cells)".to_string()
            } else {
                format!("\u{201c}{}\u{201d}", value.value)
            };
            let column = if single {
                value.header.clone()
            } else {
                format!("{}: {}", value.file_name, value.header)
            };
            let keep = if value.value.is_empty() { "(leave blank)" } else { "(reject these rows)" };
            let chosen = value.chosen.clone();
            view! {
                <tr>
                    <td data-label="Column">{column}</td>
                    <th scope="row"><label for=select_id.clone()>{shown}</label></th>
                    <td data-label="Rows">{value.rows}</td>
                    <td data-label="Leadflow value">
                        <input type="hidden" name=format!("values[{at}][file]") value=value.file />
                        <input type="hidden" name=format!("values[{at}][column]") value=value.column />
                        <input type="hidden" name=format!("values[{at}][field]") value=value.field.clone() />
                        <input type="hidden" name=format!("values[{at}][value]") value=value.value.clone() />
                        <select id=select_id name=format!("values[{at}][code]")>
                            <option value="" selected=chosen.is_empty()>{keep}</option>
                            {value.choices.into_iter().map(|(code, label)| {
                                let selected = code == chosen;
                                view! { <option value=code selected=selected>{label}</option> }
                            }).collect_view()}
                        </select>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h3>"Values Leadflow does not know"</h3>
        <p class="muted">"Choose what each means, then check again. Rows keeping an unknown value are rejected."</p>
        <table class="data-table mapping-table">
            <thead><tr><th scope="col">"Column"</th><th scope="col">"Value"</th><th scope="col">"Rows"</th><th scope="col">"Leadflow value"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// The mapping form (each file's columns, duplicates, owner, date order), the dry run's
/// findings, and the button that starts the run once a dry run of the current choices has
/// passed.
#[component]
fn MappingStep(job: JobView, forms: JobForms) -> impl IntoView {
    let id = job.id;
    let single = job.files.len() == 1;
    let error_files = error_files_of(&job);
    let files = job
        .files
        .iter()
        .cloned()
        .enumerate()
        .map(|(position, file)| view! { <FileMapping position file single /> })
        .collect_view();
    let settings = job.settings.clone();
    let date_order = match settings.date_order {
        None => "",
        Some(super::values::DateOrder::MonthFirst) => "month_first",
        Some(super::values::DateOrder::DayFirst) => "day_first",
    };
    // Each part is its own view: one view type of all of them is deeper than the compiler's
    // query limit in the browser build.
    let choices = view! {
        <div class="field">
            <label for="import-duplicates">"When a row matches an existing record (same email, phone, or company and last name)"</label>
            <select id="import-duplicates" name="duplicates">
                {DuplicateMode::ALL.iter().map(|mode| view! {
                    <option value=mode.code() selected=*mode == settings.duplicates>{mode.label()}</option>
                }).collect_view()}
            </select>
        </div>
        <div class="field">
            <label for="import-owner">"Owner of rows whose owner the file does not name or Leadflow does not know"</label>
            <select id="import-owner" name="default_owner">
                {job.owners.iter().map(|(owner, name)| view! {
                    <option value=*owner selected=*owner == settings.default_owner>{name.clone()}</option>
                }).collect_view()}
            </select>
        </div>
        <div class="field">
            <label for="import-list">"Add the imported records to list"</label>
            <select id="import-list" name="list_id">
                <option value="" selected=settings.list_id.is_none()>"No list"</option>
                {job.lists.iter().map(|(list, name)| view! {
                    <option value=*list selected=settings.list_id == Some(*list)>{name.clone()}</option>
                }).collect_view()}
            </select>
        </div>
        <div class="field">
            <label for="import-date-order">"Dates like 03/04/2025 are"</label>
            <select id="import-date-order" name="date_order">
                <option value="" selected=date_order.is_empty()>"Ask me if the file has any"</option>
                <option value="month_first" selected=date_order == "month_first">"Month first (March 4)"</option>
                <option value="day_first" selected=date_order == "day_first">"Day first (3 April)"</option>
            </select>
        </div>
    }
    .into_any();
    // The values the last dry run found that Leadflow does not know, to map before the next.
    let value_step = move || {
        forms
            .found
            .get()
            .filter(|found| !found.unknown_values.is_empty())
            .map(|found| view! { <ValueMapping unknown=found.unknown_values single /> }.into_any())
    };
    let form = view! {
        <section class="card" aria-labelledby="mapping-title">
            <h2 id="mapping-title">"Columns"</h2>
            <form method="post" action={<CheckImport as ServerFn>::PATH} novalidate
                on:change=move |_| forms.checked.set(false)
                on:submit=move |event| send_in_place(event, move |found: DryRun| {
                    forms.found.set(Some(found));
                    forms.checked.set(true);
                })>
                <input type="hidden" name="id" value=id />
                {files}
                {choices}
                {value_step}
                <button type="submit" class="button secondary">"Check the files (dry run)"</button>
                <FormMessage />
            </form>
        </section>
    }
    .into_any();
    let found = move || {
        forms.found.get().map(|found| {
            view! { <DryRunResult found error_files=error_files.clone() /> }.into_any()
        })
    };
    let start = move || {
        forms.checked.get().then(|| {
            view! {
                <form method="post" action={<RunImport as ServerFn>::PATH} novalidate
                    on:submit=move |event| send_in_place(event, move |()| forms.reload.run(()))>
                    <input type="hidden" name="id" value=id />
                    <button type="submit" class="button">"Import"</button>
                    <FormMessage />
                </form>
            }
            .into_any()
        })
    };
    view! {
        {form}
        {found}
        {start}
    }
}

#[component]
fn DryRunResult(found: DryRun, error_files: Vec<(String, String)>) -> impl IntoView {
    let several = error_files.len() > 1;
    view! {
        <section class="card" aria-labelledby="dry-run-title" aria-live="polite">
            <h2 id="dry-run-title">"Dry run: nothing was written"</h2>
            <CountList counts=found.counts future=true />
            {(!found.errors.is_empty()).then(|| view! {
                <h3>"Problems"</h3>
                <table class="data-table">
                    <thead><tr><th scope="col">"Line"</th><th scope="col">"Column"</th><th scope="col">"Problem"</th></tr></thead>
                    <tbody>{found.errors.into_iter().map(|error| view! {
                        <tr>
                            <td data-label="Line">{if several { format!("{} line {}", error.file, error.line) } else { error.line.to_string() }}</td>
                            <td data-label="Column">{error.column}</td>
                            <td data-label="Problem">{error.message}</td>
                        </tr>
                    }).collect_view()}</tbody>
                </table>
                <ErrorFileLinks files=error_files />
            })}
            {(!found.duplicates.is_empty()).then(|| view! {
                <h3>"Rows that match"</h3>
                <ul>{found.duplicates.into_iter().map(|hit| view! {
                    <li>{if several { format!("{} line {}: ", hit.file, hit.line) } else { format!("Line {}: ", hit.line) }}{match hit.record_url {
                        Some(url) => view! { <a href=url>{hit.title}</a> }.into_any(),
                        None => view! { <span>{hit.title}</span> }.into_any(),
                    }}</li>
                }).collect_view()}</ul>
            })}
        </section>
    }
}
