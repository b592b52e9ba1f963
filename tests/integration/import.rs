//! Import: upload, mapping, dry run, run, duplicates, re-import by source id, several files
//! as one job (the Salesforce sample), resume after a crash, undo, the error file, the
//! command line, and hostile files.

use crate::common::{TestApp, error_of};
use crate::dashboard::dashboard;
use leadflow::dashboard::{Dashboard, DashboardQuery};
use leadflow::import::{DryRun, ImportEntity, JobView, Progress, RowOutcome};
use reqwest::{Client, StatusCode};
use std::collections::HashMap;
use std::time::Duration;

/// Uploads `bytes` as a lead file; the response as the upload route gives it.
async fn upload(app: &TestApp, client: &Client, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    upload_as(app, client, "leads", name, bytes).await
}

/// Uploads `bytes` as a file of `entity`.
async fn upload_as(
    app: &TestApp,
    client: &Client,
    entity: &str,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("entity", entity.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    client
        .post(format!("{}/api/import/upload", app.address))
        .multipart(form)
        .send()
        .await
        .expect("upload")
}

/// The job an accepted upload opened.
fn job_id(response: &reqwest::Response) -> i64 {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap();
    location
        .strip_prefix("/import/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("not a job page: {location}"))
}

/// Uploads a lead file that must be accepted; the new job's id.
async fn job_of(app: &TestApp, client: &Client, bytes: Vec<u8>) -> i64 {
    job_id(&upload(app, client, "leads.csv", bytes).await)
}

async fn view(app: &TestApp, client: &Client, id: i64) -> JobView {
    let response = app
        .call(client, "/api/import/job", &[("id", &id.to_string())])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// The dry run with the job's current mapping and `duplicates`.
async fn check(app: &TestApp, client: &Client, id: i64, duplicates: &str) -> DryRun {
    check_dated(app, client, id, duplicates, "").await
}

/// `check`, saying how the file's dates are ordered (`month_first`, `day_first`).
async fn check_dated(
    app: &TestApp,
    client: &Client,
    id: i64,
    duplicates: &str,
    date_order: &str,
) -> DryRun {
    check_with(
        app,
        client,
        id,
        duplicates,
        &[("date_order".into(), date_order.into())],
    )
    .await
}

/// `check` with more of the form's fields (the date order, value choices).
async fn check_with(
    app: &TestApp,
    client: &Client,
    id: i64,
    duplicates: &str,
    more: &[(String, String)],
) -> DryRun {
    let job = view(app, client, id).await;
    let id = id.to_string();
    let owner = job.settings.default_owner.to_string();
    let mut form: Vec<(String, String)> = vec![
        ("id".into(), id),
        ("duplicates".into(), duplicates.into()),
        ("default_owner".into(), owner),
    ];
    form.extend_from_slice(more);
    for (file, mapping) in job.settings.mappings.iter().enumerate() {
        for (column, field) in mapping.iter().enumerate() {
            form.push((
                format!("mappings[{file}][{column}]"),
                field.clone().unwrap_or_default(),
            ));
        }
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let response = app.call(client, "/api/import/dry-run", &form).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// Runs a checked job and waits (at most a minute) until it is done.
async fn run(app: &TestApp, client: &Client, id: i64) -> Progress {
    let response = app
        .call(client, "/api/import/run", &[("id", &id.to_string())])
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
    wait_done(app, client, id).await
}

async fn wait_done(app: &TestApp, client: &Client, id: i64) -> Progress {
    tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let progress: Progress = app
                .call(client, "/api/import/progress", &[("id", &id.to_string())])
                .await
                .json()
                .await
                .unwrap();
            if progress.status != Some(leadflow::import::JobStatus::Running) {
                return progress;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the import finished within a minute")
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

#[tokio::test]
async fn an_excel_file_imports_through_the_forms_write_path() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("manager@example.com").await;
    let before = count(&app, "SELECT COUNT(*) FROM leads").await;
    // Windows-1252 (ü is 0xFC), semicolons, a quoted line break, an owner by email, one bad
    // email, and a column Leadflow has no field for.
    let file = b"Topic;Last Name;First Name;Email;Lead Source;Owner;Description;Shoe size\r\n\
        Expo;M\xFCller;Anna;anna.mueller@example.org;Trade Show;rep@example.com;\"two\r\nlines\";42\r\n\
        Expo;Lee;Bo;not-an-email;Web;;;41\r\n\
        Expo;Ito;Ken;ken.ito@example.org;;Somebody Unknown;;40\r\n";
    let id = job_of(&app, &client, file.to_vec()).await;
    let job = view(&app, &client, id).await;
    let columns = &job.files[0].columns;
    assert_eq!(columns.len(), 8);
    assert_eq!(columns[1].samples[0], "Müller");
    assert_eq!(columns[7].field, None, "no field for shoe sizes");

    let dry = check(&app, &client, id, "skip").await;
    assert_eq!(
        (dry.counts.rows, dry.counts.created, dry.counts.rejected),
        (3, 2, 1)
    );
    assert_eq!(
        (dry.errors[0].line, dry.errors[0].column.as_str()),
        (4, "Email")
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM leads").await,
        before,
        "a dry run writes nothing"
    );

    let done = run(&app, &client, id).await;
    assert_eq!(
        (done.counts.created, done.counts.rejected, done.rows_done),
        (2, 1, 3)
    );
    let (owner, description, source, history): (String, String, Option<String>, String) = sqlx::query_as(
        "SELECT u.email, l.description, l.source_system, h.new_value FROM leads l \
         JOIN users u ON u.id = l.owner_id \
         JOIN record_history h ON h.record_type = 'lead' AND h.record_id = l.id AND h.field = 'created' \
         WHERE l.email = 'anna.mueller@example.org'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(owner, "rep@example.com");
    assert_eq!(description, "two\r\nlines");
    assert_eq!(source, None, "a spreadsheet has no source ids");
    assert_eq!(history, format!("Lead created by import #{id}"));
    let unknown_owner: String = sqlx::query_scalar(
        "SELECT u.email FROM leads l JOIN users u ON u.id = l.owner_id WHERE l.email = 'ken.ito@example.org'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        unknown_owner, "manager@example.com",
        "unknown owners go to the chosen user"
    );
    let outcomes: Vec<(i64, RowOutcome)> =
        sqlx::query_as("SELECT line, outcome FROM import_rows WHERE job_id = ? ORDER BY line")
            .bind(id)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        outcomes,
        [
            (2, RowOutcome::Created),
            (4, RowOutcome::Rejected),
            (5, RowOutcome::Created)
        ]
    );

    // The error file: the header, the rejected row as it was, and why.
    let errors = client
        .get(format!("{}/api/import/{id}/errors.csv", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(errors.status(), StatusCode::OK);
    let text = errors.text().await.unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().next_back(),
        Some("Import error")
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][3], "not-an-email");
    assert!(rows[0][8].starts_with("Email:"), "{:?}", &rows[0]);
}

#[tokio::test]
async fn duplicates_are_found_in_the_database_and_inside_the_file() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("admin@example.com").await;
    let (lead_id, email): (i64, String) = sqlx::query_as(
        "SELECT id, email FROM leads WHERE status = 'open' AND email IS NOT NULL ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    sqlx::query("UPDATE leads SET city = NULL WHERE id = ?")
        .bind(lead_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let file = format!(
        "Last Name,Email,City,Topic\n\
         Dupe,{email},Lisbon,Changed topic\n\
         Twin,twin@example.org,Porto,Twin\n\
         Twin,TWIN@example.org,Braga,Twin again\n"
    );
    let id = job_of(&app, &client, file.clone().into_bytes()).await;
    let skip = check(&app, &client, id, "skip").await;
    assert_eq!((skip.counts.created, skip.counts.skipped), (1, 2));
    assert!(
        skip.duplicates
            .iter()
            .any(|hit| hit.line == 2 && hit.record_url == Some(format!("/leads/{lead_id}"))),
        "{:?}",
        skip.duplicates
    );
    assert!(
        skip.duplicates
            .iter()
            .any(|hit| hit.line == 4 && hit.record_url.is_none()),
        "{:?}",
        skip.duplicates
    );
    let create = check(&app, &client, id, "create").await;
    assert_eq!((create.counts.created, create.counts.skipped), (3, 0));

    // Filling blanks: the city is set, the topic kept.
    let topic_before: String = sqlx::query_scalar("SELECT topic FROM leads WHERE id = ?")
        .bind(lead_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let fill = check(&app, &client, id, "fill_blanks").await;
    assert_eq!(
        (
            fill.counts.created,
            fill.counts.updated,
            fill.counts.skipped
        ),
        (1, 1, 1)
    );
    let done = run(&app, &client, id).await;
    assert_eq!(
        (
            done.counts.created,
            done.counts.updated,
            done.counts.skipped
        ),
        (1, 1, 1)
    );
    let (topic, city_after, version): (String, Option<String>, i64) =
        sqlx::query_as("SELECT topic, city, version FROM leads WHERE id = ?")
            .bind(lead_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        (topic, city_after.as_deref()),
        (topic_before, Some("Lisbon"))
    );
    assert_eq!(version, 2);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM leads WHERE email_normalized = 'twin@example.org'"
        )
        .await,
        1
    );
}

/// A file of the Salesforce sample.
fn sample(name: &str) -> String {
    format!(
        "{}/../shared/data/salesforce-sample/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// A sample file's rows by header, read independently of the import's reader.
fn sample_records(name: &str) -> Vec<HashMap<String, String>> {
    let bytes = std::fs::read(sample(name)).unwrap();
    let mut reader = csv::Reader::from_reader(&bytes[..]);
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    reader
        .records()
        .map(|row| {
            headers
                .iter()
                .cloned()
                .zip(row.unwrap().iter().map(str::to_string))
                .collect()
        })
        .collect()
}

/// Uploads sample files as one job; the new job's id.
async fn job_of_files(app: &TestApp, client: &Client, names: &[&str]) -> i64 {
    let files: Vec<(String, Vec<u8>)> = names
        .iter()
        .map(|name| (name.to_string(), std::fs::read(sample(name)).unwrap()))
        .collect();
    job_of_named(app, client, files).await
}

/// Uploads files (name, bytes) as one job; the new job's id.
async fn job_of_named(app: &TestApp, client: &Client, files: Vec<(String, Vec<u8>)>) -> i64 {
    let mut form = reqwest::multipart::Form::new().text("entity", "leads");
    for (name, bytes) in files {
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name),
        );
    }
    let response = client
        .post(format!("{}/api/import/upload", app.address))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    job_id(&response)
}

/// Cents of a decimal amount as the sample writes it ("1124741.15", "643409").
fn cents(text: &str) -> i64 {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let fraction = format!("{fraction:0<2}");
    whole.parse::<i64>().unwrap() * 100 + fraction[..2].parse::<i64>().unwrap()
}

/// Source id → the source id of the record it points at, as the database links them.
async fn links(app: &TestApp, sql: &str) -> HashMap<String, String> {
    sqlx::query_as::<_, (String, String)>(sql)
        .fetch_all(&app.pool)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

/// The same from a sample file's two columns (rows with the second blank left out).
fn file_links(rows: &[HashMap<String, String>], to: &str) -> HashMap<String, String> {
    rows.iter()
        .filter(|row| !row[to].is_empty())
        .map(|row| (row["Id"].clone(), row[to].clone()))
        .collect()
}

const SAMPLE_FILES: [&str; 5] = [
    "Task.csv",
    "Lead.csv",
    "Opportunity.csv",
    "Contact.csv",
    "Account.csv",
];

#[tokio::test]
async fn the_salesforce_sample_imports_whole_as_one_job_and_again_changes_nothing() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("admin@example.com").await;
    let query = DashboardQuery {
        from: Some("2023-01".into()),
        to: Some("2024-12".into()),
        ..Default::default()
    };
    let dashboard_before = dashboard(&app, &client, &query).await;
    let rows: HashMap<&str, Vec<HashMap<String, String>>> = SAMPLE_FILES
        .iter()
        .map(|name| (*name, sample_records(name)))
        .collect();
    let total: usize = rows.values().map(Vec::len).sum();

    // Uploaded in any order, the files run in the order their references need.
    let first = job_of_files(&app, &client, &SAMPLE_FILES).await;
    let job = view(&app, &client, first).await;
    assert_eq!(
        job.source_system,
        leadflow::import::SourceSystem::Salesforce
    );
    let order: Vec<(&str, ImportEntity)> = job
        .files
        .iter()
        .map(|f| (f.name.as_str(), f.entity))
        .collect();
    assert_eq!(
        order,
        [
            ("Account.csv", ImportEntity::Accounts),
            ("Contact.csv", ImportEntity::Contacts),
            ("Opportunity.csv", ImportEntity::Opportunities),
            ("Lead.csv", ImportEntity::Leads),
            ("Task.csv", ImportEntity::Activities),
        ]
    );
    // Two sample contacts share a phone: a migration keeps both.
    let dry = check(&app, &client, first, "create").await;
    assert_eq!(dry.counts.rejected, 0, "{:?}", dry.errors);
    assert_eq!(dry.counts.created as usize, total);
    let done = run(&app, &client, first).await;
    assert_eq!(
        (done.counts.created as usize, done.counts.rejected),
        (total, 0)
    );
    for (name, table) in [
        ("Account.csv", "accounts"),
        ("Contact.csv", "contacts"),
        ("Opportunity.csv", "opportunities"),
        ("Lead.csv", "leads"),
        ("Task.csv", "activities"),
    ] {
        let imported = count(
            &app,
            &format!(
                "SELECT COUNT(DISTINCT source_id) FROM {table} WHERE source_system = 'salesforce'"
            ),
        )
        .await;
        assert_eq!(imported as usize, rows[name].len(), "{name}");
    }

    // Every reference points where the file says.
    assert_eq!(
        links(&app, "SELECT c.source_id, a.source_id FROM contacts c JOIN accounts a ON a.id = c.account_id WHERE c.source_system = 'salesforce'").await,
        file_links(&rows["Contact.csv"], "AccountId")
    );
    assert_eq!(
        links(&app, "SELECT o.source_id, a.source_id FROM opportunities o JOIN accounts a ON a.id = o.account_id WHERE o.source_system = 'salesforce'").await,
        file_links(&rows["Opportunity.csv"], "AccountId")
    );
    let tasks = &rows["Task.csv"];
    let on_people = links(&app, "SELECT t.source_id, COALESCE(c.source_id, l.source_id) FROM activities t \
        LEFT JOIN contacts c ON c.id = t.contact_id LEFT JOIN leads l ON l.id = t.lead_id \
        WHERE t.source_system = 'salesforce' AND (t.contact_id IS NOT NULL OR t.lead_id IS NOT NULL)").await;
    assert_eq!(
        on_people,
        file_links(tasks, "WhoId"),
        "a task is on the person it is with"
    );
    // A lead's company that is an account's id reads as that account's name.
    let account_names = links(
        &app,
        "SELECT source_id, name FROM accounts WHERE source_system = 'salesforce'",
    )
    .await;
    let companies = links(
        &app,
        "SELECT source_id, company_name FROM leads WHERE source_system = 'salesforce'",
    )
    .await;
    for lead in &rows["Lead.csv"] {
        assert_eq!(companies[&lead["Id"]], account_names[&lead["Company"]]);
    }

    // Closed history: won with its amount and close date, lost, open at the stage's place.
    let opportunities = &rows["Opportunity.csv"];
    let won: Vec<_> = opportunities.iter().filter(|o| o["IsWon"] == "1").collect();
    let lost: Vec<_> = opportunities
        .iter()
        .filter(|o| o["IsClosed"] == "1" && o["IsWon"] != "1")
        .collect();
    let open: Vec<_> = opportunities
        .iter()
        .filter(|o| o["IsClosed"] != "1")
        .collect();
    /// How a deal ended: status, actual revenue, actual close date, probability.
    type Ended = (String, Option<i64>, Option<String>, i64);
    let stored: HashMap<String, Ended> = sqlx::query_as::<_, (String, String, Option<i64>, Option<String>, i64)>(
        "SELECT source_id, status, actual_revenue_minor, actual_close_date, probability FROM opportunities \
         WHERE source_system = 'salesforce'",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
    .into_iter()
    .map(|(id, status, revenue, date, probability)| (id, (status, revenue, date, probability)))
    .collect();
    for o in &won {
        assert_eq!(
            stored[&o["Id"]],
            (
                "won".into(),
                Some(cents(&o["Amount"])),
                Some(o["CloseDate"].clone()),
                100
            )
        );
    }
    for o in &lost {
        assert_eq!(stored[&o["Id"]].0, "lost");
        assert_eq!(stored[&o["Id"]].2.as_deref(), Some(o["CloseDate"].as_str()));
    }
    for o in &open {
        let probability: i64 = o["Probability"].parse().unwrap();
        assert_eq!(stored[&o["Id"]].0, "open");
        assert_eq!(stored[&o["Id"]].3, probability, "the file's probability");
    }
    let qualified = rows["Lead.csv"]
        .iter()
        .filter(|row| row["Status"] == "Qualified")
        .count();
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM leads WHERE source_system = 'salesforce' AND status = 'qualified'"
        )
        .await,
        qualified as i64
    );

    // The dashboard moved by exactly the file's sums, at once.
    let after = dashboard(&app, &client, &query).await;
    let won_total = after.won_total();
    let won_before = dashboard_before.won_total();
    assert_eq!(won_total.count - won_before.count, won.len() as i64);
    assert_eq!(
        won_total.revenue_minor - won_before.revenue_minor,
        won.iter().map(|o| cents(&o["Amount"])).sum::<i64>()
    );
    assert_eq!(
        after.lost_count() - dashboard_before.lost_count(),
        lost.len() as i64
    );
    let pipeline = |d: &Dashboard| {
        d.pipeline
            .iter()
            .map(|m| m.total().revenue_minor)
            .sum::<i64>()
    };
    assert_eq!(
        pipeline(&after) - pipeline(&dashboard_before),
        open.iter().map(|o| cents(&o["Amount"])).sum::<i64>()
    );

    // The history says which import wrote a record.
    let created: String = sqlx::query_scalar(
        "SELECT h.new_value FROM record_history h JOIN opportunities o ON o.id = h.record_id \
         WHERE h.record_type = 'opportunity' AND h.field = 'created' AND o.source_system = 'salesforce' LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(created.contains(&format!("import #{first}")), "{created}");

    // Importing the same files again finds every record by its id and changes nothing.
    let again = job_of_files(&app, &client, &SAMPLE_FILES).await;
    let dry = check(&app, &client, again, "skip").await;
    assert_eq!(
        (
            dry.counts.created,
            dry.counts.rejected,
            dry.counts.unchanged as usize
        ),
        (0, 0, total),
        "{:?} {:?}",
        dry.errors,
        dry.duplicates
    );
    let done = run(&app, &client, again).await;
    assert_eq!(
        (
            done.counts.created,
            done.counts.updated,
            done.counts.rejected
        ),
        (0, 0, 0)
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM opportunities WHERE source_system = 'salesforce'"
        )
        .await as usize,
        opportunities.len()
    );
}

/// A deal of the Dynamics export below: customer, stage, status, status reason, estimated
/// and actual revenue in cents, the actual close day (year, month, day).
type Deal = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i64,
    i64,
    (i32, u32, u32),
);

const DYNAMICS_DEALS: [Deal; 6] = [
    (
        "Fabrikam",
        "Close",
        "Won",
        "Won",
        1_250_000,
        1_234_550,
        (2025, 3, 4),
    ),
    (
        "Contoso",
        "Propose",
        "Won",
        "Won",
        500_000,
        480_000,
        (2025, 3, 28),
    ),
    (
        "Fabrikam",
        "Close",
        "Won",
        "Won",
        99_000,
        100_000,
        (2025, 4, 13),
    ),
    (
        "Litware",
        "Develop",
        "Lost",
        "Out-Sold",
        750_000,
        0,
        (2025, 4, 2),
    ),
    (
        "Contoso",
        "Qualify",
        "Open",
        "In Progress",
        320_000,
        0,
        (2025, 9, 30),
    ),
    (
        "Adatum",
        "Propose",
        "Open",
        "On Hold",
        610_050,
        0,
        (2025, 10, 7),
    ),
];

/// "$12,345.50" as Dynamics writes money.
fn dollars(cents: i64) -> String {
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (at, digit) in whole.chars().enumerate() {
        if at > 0 && (whole.len() - at).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("${grouped}.{:02}", cents % 100)
}

/// The deals as Dynamics 365's "Export to Excel" writes an opportunity view saved as CSV:
/// its hidden "(Do Not Modify)" columns, display-name headers, US dates with times, money
/// with symbols, `US Dollar`, status reasons.
fn dynamics_export() -> String {
    let mut file = String::from(
        "(Do Not Modify) Opportunity,(Do Not Modify) Row Checksum,(Do Not Modify) Modified On,Topic,Potential Customer,Sales Stage,Status,Status Reason,Est. Revenue,Est. Close Date,Actual Revenue,Actual Close Date,Probability,Currency,Owner\r\n",
    );
    for (n, (customer, stage, status, reason, estimate, actual, (y, m, d))) in
        DYNAMICS_DEALS.iter().enumerate()
    {
        let closed = *status != "Open";
        let day = format!("{m}/{d}/{y}");
        file.push_str(&format!(
            "a1b2c3d4-0000-4000-8000-00000000000{n},chk{n},4/1/2025 9:15 AM,{customer} fleet {n},{customer},{stage},{status},{reason},\"{}\",{day} 12:00 AM,{},{},{},US Dollar,Morgan Manager\r\n",
            dollars(*estimate),
            if *status == "Won" { format!("\"{}\"", dollars(*actual)) } else { String::new() },
            if closed { format!("{day} 5:30 PM") } else { String::new() },
            if closed { "" } else { "40" },
        ));
    }
    file
}

#[tokio::test]
async fn a_dynamics_opportunity_export_gives_the_dashboard_its_won_revenue_per_month() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("admin@example.com").await;
    let query = DashboardQuery {
        from: Some("2025-01".into()),
        to: Some("2025-12".into()),
        ..Default::default()
    };
    let before = dashboard(&app, &client, &query).await;
    let export = dynamics_export().into_bytes();
    let name = "My Open Opportunities 4-1-2025.csv";
    let id = job_id(&upload_as(&app, &client, "opportunities", name, export).await);
    assert_eq!(
        view(&app, &client, id).await.source_system,
        leadflow::import::SourceSystem::Dynamics
    );
    // 3/4/2025 reads as two dates: the dry run asks, and says where.
    let unasked = check(&app, &client, id, "skip").await;
    assert!(unasked.counts.rejected > 0);
    assert!(
        unasked.errors[0].message.contains("month first"),
        "{:?}",
        unasked.errors
    );
    let dry = check_dated(&app, &client, id, "skip", "month_first").await;
    assert_eq!(dry.counts.rejected, 0, "{:?}", dry.errors);
    let done = run(&app, &client, id).await;
    assert_eq!(done.counts.created as usize, DYNAMICS_DEALS.len());

    let after = dashboard(&app, &client, &query).await;
    let won_in = |d: &Dashboard, month: &str| {
        d.closed
            .iter()
            .find(|m| m.month.code() == month)
            .map_or(0, |m| m.won.revenue_minor)
    };
    for month in ["2025-03", "2025-04"] {
        let expected: i64 = DYNAMICS_DEALS
            .iter()
            .filter(|(_, _, status, _, _, _, (y, m, _))| {
                *status == "Won" && format!("{y}-{m:02}") == month
            })
            .map(|(.., actual, _)| *actual)
            .sum();
        assert_eq!(
            won_in(&after, month) - won_in(&before, month),
            expected,
            "won revenue in {month}"
        );
    }
    let lost: Vec<(String, String)> = sqlx::query_as(
        "SELECT o.actual_close_date, r.code FROM opportunities o JOIN lost_reasons r ON r.id = o.lost_reason_id \
         WHERE o.source_system = 'dynamics'",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(lost, [("2025-04-02".to_string(), "out_sold".to_string())]);
    // Customers are named, not given by id: the ones Leadflow lacked became accounts once.
    let customers = count(
        &app,
        "SELECT COUNT(DISTINCT a.id) FROM opportunities o JOIN accounts a ON a.id = o.account_id WHERE o.source_system = 'dynamics'",
    )
    .await;
    assert_eq!(customers, 4);
    let open_probability = count(
        &app,
        "SELECT MIN(probability) FROM opportunities WHERE source_system = 'dynamics' AND status = 'open'",
    )
    .await;
    assert_eq!(open_probability, 40, "the file's probability");
}

#[tokio::test]
async fn a_reference_to_a_record_not_imported_rejects_only_its_row() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("admin@example.com").await;
    // Contacts without their accounts: each one at an account is rejected, the rest come in.
    let contacts = sample_records("Contact.csv");
    let at_accounts = contacts
        .iter()
        .filter(|c| !c["AccountId"].is_empty())
        .count();
    let id = job_of_files(&app, &client, &["Contact.csv"]).await;
    assert_eq!(
        view(&app, &client, id).await.files[0].entity,
        ImportEntity::Leads,
        "one file holds what the form says"
    );
    let contact_file = std::fs::read(sample("Contact.csv")).unwrap();
    let id = job_id(&upload_as(&app, &client, "contacts", "Contact.csv", contact_file).await);
    let dry = check(&app, &client, id, "create").await;
    assert_eq!(
        (dry.counts.rejected as usize, dry.counts.created as usize),
        (at_accounts, contacts.len() - at_accounts)
    );
    assert!(
        dry.errors[0].message.starts_with("No account \"001"),
        "{:?}",
        dry.errors[0]
    );
    assert_eq!(dry.errors[0].column, "AccountId");

    // A rep imports leads only.
    let rep = app.signed_in("rep@example.com").await;
    let account_file = std::fs::read(sample("Account.csv")).unwrap();
    let response = upload_as(&app, &rep, "accounts", "Account.csv", account_file).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Only managers and admins import accounts")
    );
}

#[tokio::test]
async fn undo_deletes_what_it_created_and_restores_what_it_updated() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("admin@example.com").await;
    let snapshot = |id: i64| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_as::<
                _,
                (
                    String,
                    Option<String>,
                    Option<String>,
                    Option<String>,
                    Option<String>,
                ),
            >(
                "SELECT topic, first_name, job_title, city, description FROM leads WHERE id = ?"
            )
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    let (target, email): (i64, String) = sqlx::query_as(
        "SELECT id, email FROM leads WHERE status = 'open' AND email IS NOT NULL ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let before = snapshot(target).await;
    let leads_before = count(&app, "SELECT COUNT(*) FROM leads").await;
    let file = format!(
        "Topic,Last Name,First Name,Job Title,City,Email,Description\n\
         Overwritten,Target,Newname,Chief,Faro,{email},New text\n\
         Fresh one,Fresh,Ann,,,fresh.one@example.org,\n\
         Fresh two,Fresh,Bo,,,fresh.two@example.org,\n"
    );
    let id = job_of(&app, &client, file.into_bytes()).await;
    check(&app, &client, id, "overwrite").await;
    let done = run(&app, &client, id).await;
    assert_eq!((done.counts.created, done.counts.updated), (2, 1));
    assert_ne!(snapshot(target).await, before);

    // Someone edits one of the created leads after the import: undo leaves it.
    let edited: (i64,) =
        sqlx::query_as("SELECT id FROM leads WHERE email = 'fresh.two@example.org'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let response = app
        .call(
            &client,
            "/api/leads/update",
            &[
                ("id", &edited.0.to_string()),
                ("version", "1"),
                ("lead[topic]", "Edited after the import"),
                ("lead[last_name]", "Fresh"),
                ("lead[first_name]", "Bo"),
                ("lead[email]", "fresh.two@example.org"),
            ],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );

    let response = app
        .call(&client, "/api/import/undo", &[("id", &id.to_string())])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let report: leadflow::import::UndoReport = response.json().await.unwrap();
    assert_eq!((report.deleted, report.restored), (1, 1));
    assert_eq!(
        report.kept,
        [(
            "Edited after the import".to_string(),
            format!("/leads/{}", edited.0)
        )]
    );
    assert_eq!(
        snapshot(target).await,
        before,
        "the updated lead has its values back exactly"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM leads").await,
        leads_before + 1
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM leads WHERE email = 'fresh.one@example.org'"
        )
        .await,
        0
    );
    // Undone once only.
    let again = app
        .call(&client, "/api/import/undo", &[("id", &id.to_string())])
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_run_cut_off_mid_file_resumes_after_its_last_committed_row() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("admin@example.com").await;
    let rows = 20_000;
    let mut file = String::from("Id,LastName,Company,Email\n");
    for n in 0..rows {
        file.push_str(&format!(
            "00Q{n:07},Person{n},Company {n},person{n}@resume.example\n"
        ));
    }
    let id = job_of(&app, &client, file.into_bytes()).await;
    check(&app, &client, id, "skip").await;
    let admin = leadflow::auth::db::find_user(&app.pool, 1)
        .await
        .unwrap()
        .unwrap();
    leadflow::import::db::mark_running(&app.pool, id, &admin)
        .await
        .unwrap();
    let task = leadflow::import::db::spawn_run(app.pool.clone(), id);
    // Cut the run off (as a crash would) once some chunks are committed.
    let cut_at = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let done = count(
                &app,
                &format!("SELECT rows_done FROM import_jobs WHERE id = {id}"),
            )
            .await;
            if done >= 1_000 {
                task.abort();
                return done;
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the run got going");
    let _ = task.await;
    let committed = count(
        &app,
        &format!("SELECT rows_done FROM import_jobs WHERE id = {id}"),
    )
    .await;
    assert!(committed < rows, "cut off before the end ({cut_at} rows)");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM leads WHERE email LIKE '%@resume.example'"
        )
        .await,
        committed,
        "what is committed is exactly the rows counted done"
    );
    assert_eq!(
        leadflow::import::db::resume_all(&app.pool).await.unwrap(),
        1
    );
    let done = wait_done(&app, &client, id).await;
    assert_eq!(done.counts.created, rows as u64);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM leads WHERE email LIKE '%@resume.example'"
        )
        .await,
        rows
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM import_rows WHERE job_id = {id}")
        )
        .await,
        rows
    );
}

#[tokio::test]
async fn hostile_and_broken_files_are_refused_with_a_reason() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("manager@example.com").await;
    let jobs = || count(&app, "SELECT COUNT(*) FROM import_jobs");
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (Vec::new(), "empty"),
        (b"Last Name,Email\n".to_vec(), "no rows"),
        (b"PK\x03\x04binary".to_vec(), "zip"),
        (b"\x7fELF\x00\x00binary".to_vec(), "not text"),
        (b"Last Name,Email\nLee,\"open\n".to_vec(), "never closed"),
        (
            b"Email,email\na@example.org,b@example.org\n".to_vec(),
            "both called",
        ),
        (
            b"Last Name,,Email\nLee,x,a@example.org\n".to_vec(),
            "no header",
        ),
    ];
    for (bytes, reason) in cases {
        let response = upload(&app, &client, "bad.csv", bytes).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{reason}"
        );
        let error = error_of(response).await;
        assert!(
            error.field_message("file").unwrap().contains(reason),
            "{error:?}"
        );
    }
    assert_eq!(jobs().await, 0, "nothing kept");
    // A browser's form post is sent back to the import page with the reason.
    let response = client
        .post(format!("{}/api/import/upload", app.address))
        .header("Accept", "text/html")
        .multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(Vec::new()).file_name("x.csv"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        response.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/import?refused=The+file+is+empty")
    );

    // A 200 MB file is refused before it is read whole.
    let response = upload(&app, &client, "huge.csv", vec![b'a'; 200 * 1024 * 1024]).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(error_of(response).await.to_string().contains("split it"));

    // Row-level problems reject only their row: 10,000 values, an absurd amount, bad email.
    let mut file = String::from("Last Name,Email,Budget Amount\nGood,good@example.org,100\n");
    file.push_str(&vec!["x"; 10_000].join(","));
    file.push('\n');
    file.push_str("Rich,rich@example.org,999999999999999999\nBad,bad@,\n");
    let id = job_of(&app, &client, file.into_bytes()).await;
    let dry = check(&app, &client, id, "skip").await;
    assert_eq!(
        (dry.counts.created, dry.counts.rejected),
        (1, 3),
        "{:?}",
        dry.errors
    );
    assert!(
        dry.errors
            .iter()
            .any(|e| e.line == 3 && e.message.contains("10000 values")),
        "{:?}",
        dry.errors
    );

    // One import at a time per user.
    let mut file = String::from("Last Name,Email\n");
    for n in 0..20_000 {
        file.push_str(&format!("Busy{n},busy{n}@example.org\n"));
    }
    let busy = job_of(&app, &client, file.into_bytes()).await;
    check(&app, &client, busy, "skip").await;
    let response = app
        .call(&client, "/api/import/run", &[("id", &busy.to_string())])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = upload(&app, &client, "more.csv", b"Last Name\nLee\n".to_vec()).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(
        error_of(response)
            .await
            .to_string()
            .contains("still running")
    );
    wait_done(&app, &client, busy).await;
}

#[tokio::test]
async fn imports_are_guarded_and_reps_import_leads_they_own() {
    let app = TestApp::spawn().await;
    let anonymous = app.client();
    let response = upload(&app, &anonymous, "leads.csv", b"Last Name\nLee\n".to_vec()).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = anonymous
        .get(format!("{}/api/import/1/errors.csv", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let manager = app.signed_in("manager@example.com").await;
    let managers_job = job_of(&app, &manager, b"Last Name\nLee\n".to_vec()).await;
    let rep = app.signed_in("rep@example.com").await;
    for path in [
        "/api/import/job",
        "/api/import/dry-run",
        "/api/import/run",
        "/api/import/progress",
        "/api/import/undo",
    ] {
        let response = app
            .call(
                &rep,
                path,
                &[
                    ("id", &managers_job.to_string()),
                    ("duplicates", "skip"),
                    ("default_owner", "1"),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let response = rep
        .get(format!(
            "{}/api/import/{managers_job}/errors.csv",
            app.address
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // A rep's rows are the rep's, whatever the file's owner column says.
    let id = job_of(
        &app,
        &rep,
        b"Last Name,Email,Owner\nOwned,owned@example.org,admin@example.com\n".to_vec(),
    )
    .await;
    let job = view(&app, &rep, id).await;
    assert_eq!(job.owners.len(), 1, "a rep can give rows only to themself");
    check(&app, &rep, id, "skip").await;
    assert_eq!(run(&app, &rep, id).await.counts.created, 1);
    let owner: String = sqlx::query_scalar(
        "SELECT u.email FROM leads l JOIN users u ON u.id = l.owner_id WHERE l.email = 'owned@example.org'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(owner, "rep@example.com");
    // The history lists only the rep's own imports; the manager sees both.
    let history = |client: Client| {
        let app = &app;
        async move {
            let jobs: Vec<leadflow::import::JobSummary> = app
                .call(&client, "/api/import/history", &[])
                .await
                .json()
                .await
                .unwrap();
            jobs.len()
        }
    };
    assert_eq!(history(rep).await, 1);
    assert_eq!(history(manager).await, 2);
}

#[test]
fn the_command_line_dry_run_writes_nothing_and_the_run_imports() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("cli.db");
    let url = format!("sqlite://{}", database.display());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let pool = leadflow::server::db::connect(&url).await.unwrap();
        leadflow::server::demo::create_admin(
            &pool,
            "Ada Admin",
            "ada@example.org",
            "a long password 1",
        )
        .await
        .unwrap();
    });
    let file = dir.path().join("leads.csv");
    std::fs::write(
        &file,
        "Last Name,Email,Shoe size\nLee,lee@example.org,42\nBad,bad@,41\n",
    )
    .unwrap();
    let cli = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_leadflow"))
            .args(args)
            .arg(&file)
            .env("DATABASE_URL", &url)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let leads = || {
        let url = url.clone();
        tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(async move {
                let pool = leadflow::server::db::connect(&url).await.unwrap();
                let counts: (i64, i64) = sqlx::query_as(
                    "SELECT (SELECT COUNT(*) FROM leads), (SELECT COUNT(*) FROM import_jobs)",
                )
                .fetch_one(&pool)
                .await
                .unwrap();
                counts
            })
    };
    let out = cli(&["import", "--entity", "leads", "--dry-run"]);
    assert!(
        out.contains("2 rows: 1 to create, 0 to update, 0 unchanged, 0 to skip, 1 rejected"),
        "{out}"
    );
    assert!(out.contains("line 3, Email:"), "{out}");
    assert!(out.contains("columns left out: Shoe size"), "{out}");
    assert_eq!(leads(), (0, 0));
    let out = cli(&["import", "--entity", "leads", "--duplicates", "skip"]);
    assert!(out.contains("1 created"), "{out}");
    assert_eq!(leads(), (1, 1));

    // `leadflow export` writes what the list's Export CSV link gives.
    let exported = dir.path().join("open-leads.csv");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_leadflow"))
        .args([
            "export",
            "--entity",
            "leads",
            "--view",
            "view=all-open&sort=created",
        ])
        .arg("--output")
        .arg(&exported)
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("Wrote 1 leads"));
    let (header, rows) = export_rows(&std::fs::read(&exported).unwrap());
    let email = header.iter().position(|h| h == "Email").unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][email], "lee@example.org");
    let activities = std::process::Command::new(env!("CARGO_BIN_EXE_leadflow"))
        .args(["export", "--entity", "activities", "--view", "view=all"])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(activities.status.success());
    let (header, _) = export_rows(&activities.stdout);
    assert_eq!(header.get(7), Some("Person"));
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_leadflow"))
        .args(["export", "--entity", "widgets"])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(!refused.status.success());
}

/// Reads an export (its byte-order mark dropped).
fn export_rows(bytes: &[u8]) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    let bytes = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .expect("a byte-order mark for Excel");
    let mut reader = csv::Reader::from_reader(bytes);
    let header = reader.headers().unwrap().clone();
    (header, reader.records().map(Result::unwrap).collect())
}

#[tokio::test]
async fn a_list_exports_its_whole_view_escaped_and_reimports_as_unchanged() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("manager@example.com").await;
    let anonymous = app.client();
    let export = |client: Client, query: &'static str| {
        let address = app.address.clone();
        async move {
            let response = client
                .get(format!("{address}/api/leads/export.csv?{query}"))
                .send()
                .await
                .unwrap();
            (response.status(), response.bytes().await.unwrap().to_vec())
        }
    };
    assert_eq!(
        export(anonymous, "view=all-open").await.0,
        StatusCode::UNAUTHORIZED
    );

    let hostile: i64 = sqlx::query_scalar(
        "UPDATE leads SET topic = '=HYPERLINK(\"http://evil.example\")' \
         WHERE id = (SELECT MIN(id) FROM leads WHERE status = 'open' AND rating = 'hot') RETURNING id",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let (status, bytes) = export(
        client.clone(),
        "view=all-open&rating=hot&sort=created&dir=desc",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (header, rows) = export_rows(&bytes);
    assert_eq!(&header[0], "Id");
    assert!(header.iter().any(|h| h == "Owner email"));
    let expected: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM leads WHERE status = 'open' AND rating = 'hot' ORDER BY created_at DESC, id DESC",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let exported: Vec<i64> = rows.iter().map(|row| row[0].parse().unwrap()).collect();
    assert!(exported.len() > 25, "more than one page of the list");
    assert_eq!(exported, expected);
    let hostile_row = rows
        .iter()
        .find(|row| row[0] == hostile.to_string())
        .unwrap();
    assert_eq!(&hostile_row[2], "'=HYPERLINK(\"http://evil.example\")");
    assert!(
        rows.iter()
            .all(|row| &row[header.iter().position(|h| h == "Rating").unwrap()] == "Hot")
    );

    // The export imports again as the same leads, unchanged (the escaped topic included).
    let (_, bytes) = export(client.clone(), "view=all-open").await;
    let total = count(&app, "SELECT COUNT(*) FROM leads WHERE status = 'open'").await as u64;
    let id = job_of(&app, &client, bytes).await;
    assert_eq!(
        view(&app, &client, id).await.source_system,
        leadflow::import::SourceSystem::Leadflow
    );
    let dry = check(&app, &client, id, "overwrite").await;
    assert_eq!(dry.counts.rows, total);
    assert_eq!(
        (
            dry.counts.unchanged,
            dry.counts.created,
            dry.counts.updated,
            dry.counts.rejected
        ),
        (total, 0, 0, 0),
        "{:?} {:?}",
        dry.errors,
        dry.duplicates
    );
}

#[tokio::test]
async fn the_opportunity_list_exports_its_view_and_reimports_as_unchanged() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("manager@example.com").await;
    let export = |query: &'static str| {
        let (client, address) = (client.clone(), app.address.clone());
        async move {
            let response = client
                .get(format!("{address}/api/opportunities/export.csv?{query}"))
                .send()
                .await
                .unwrap();
            (response.status(), response.bytes().await.unwrap().to_vec())
        }
    };
    let anonymous = app
        .client()
        .get(format!(
            "{}/api/opportunities/export.csv?view=won",
            app.address
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    // The Won view, by revenue: the actual revenue, every page, in the list's order.
    let (status, bytes) = export("view=won&sort=revenue&dir=desc").await;
    assert_eq!(status, StatusCode::OK);
    let (header, rows) = export_rows(&bytes);
    let expected: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, actual_revenue_minor FROM opportunities WHERE status = 'won' \
         ORDER BY actual_revenue_minor DESC NULLS LAST, id DESC",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let exported: Vec<(i64, i64)> = rows
        .iter()
        .map(|row| {
            (
                row[0].parse().unwrap(),
                cents(&row[column("Actual revenue")]),
            )
        })
        .collect();
    assert!(exported.len() > 25, "more than one page of the list");
    assert_eq!(exported, expected);
    assert!(rows.iter().all(|row| &row[column("Status")] == "Won"));

    // All open opportunities come back as the same records, unchanged.
    let (_, bytes) = export("view=all-open").await;
    let total = count(
        &app,
        "SELECT COUNT(*) FROM opportunities WHERE status = 'open'",
    )
    .await as u64;
    let id = job_id(&upload_as(&app, &client, "opportunities", "opportunities.csv", bytes).await);
    assert_eq!(
        view(&app, &client, id).await.source_system,
        leadflow::import::SourceSystem::Leadflow
    );
    let dry = check(&app, &client, id, "overwrite").await;
    assert_eq!(
        (dry.counts.rows, dry.counts.unchanged, dry.counts.rejected),
        (total, total, 0),
        "{:?} {:?}",
        dry.errors,
        dry.duplicates
    );
}

#[tokio::test]
async fn account_and_contact_lists_export_their_view_and_reimport_as_unchanged() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("manager@example.com").await;
    for (kind, entity, table) in [
        ("accounts", "accounts", "accounts"),
        ("contacts", "contacts", "contacts"),
    ] {
        let response = client
            .get(format!(
                "{}/api/{kind}/export.csv?sort=city&dir=desc",
                app.address
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{kind}");
        let bytes = response.bytes().await.unwrap().to_vec();
        let (_, rows) = export_rows(&bytes);
        let expected: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT id FROM {table} WHERE active = 1 ORDER BY city IS NULL DESC, city DESC, id"
        ))
        .fetch_all(&app.pool)
        .await
        .unwrap();
        let exported: Vec<i64> = rows.iter().map(|row| row[0].parse().unwrap()).collect();
        assert!(exported.len() > 25, "more than one page of {kind}");
        assert_eq!(exported, expected, "{kind} in the list's order");

        let name = format!("{kind}.csv");
        let id = job_id(&upload_as(&app, &client, entity, &name, bytes).await);
        let dry = check(&app, &client, id, "overwrite").await;
        let total = expected.len() as u64;
        assert_eq!(
            (dry.counts.rows, dry.counts.unchanged, dry.counts.rejected),
            (total, total, 0),
            "{kind}: {:?} {:?}",
            dry.errors,
            dry.duplicates
        );
    }
    let anonymous = app
        .client()
        .get(format!("{}/api/contacts/export.csv", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn values_leadflow_does_not_know_are_asked_for_and_mapped() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("manager@example.com").await;
    let file = "Last Name,Email,Lead Source,Rating\n\
        Lee,lee@values.example,Carrier pigeon,Tier 1\n\
        Ito,ito@values.example,carrier PIGEON,\n\
        Kim,kim@values.example,Web,Hot\n";
    let id = job_of(&app, &client, file.as_bytes().to_vec()).await;
    let dry = check(&app, &client, id, "skip").await;
    assert_eq!(dry.counts.rejected, 2, "{:?}", dry.errors);
    let asked: Vec<(&str, &str, u64)> = dry
        .unknown_values
        .iter()
        .map(|v| (v.header.as_str(), v.value.as_str(), v.rows))
        .collect();
    assert_eq!(
        asked,
        [
            ("Lead Source", "Carrier pigeon", 2),
            ("Rating", "", 1),
            ("Rating", "Tier 1", 1)
        ]
    );
    // The page posts each asked value back with the user's choice.
    let mut form = Vec::new();
    for (at, (value, code)) in dry
        .unknown_values
        .iter()
        .zip(["other", "cold", "hot"])
        .enumerate()
    {
        for (name, given) in [
            ("file", value.file.to_string()),
            ("column", value.column.to_string()),
            ("field", value.field.clone()),
            ("value", value.value.clone()),
            ("code", code.to_string()),
        ] {
            form.push((format!("values[{at}][{name}]"), given));
        }
    }
    let dry = check_with(&app, &client, id, "skip", &form).await;
    assert_eq!(
        (dry.counts.rejected, dry.counts.created),
        (0, 3),
        "{:?}",
        dry.errors
    );
    assert_eq!(
        dry.unknown_values
            .iter()
            .map(|v| v.chosen.as_str())
            .collect::<Vec<_>>(),
        ["other", "cold", "hot"],
        "the choices are kept"
    );
    // A dry run from a reloaded page (no value fields) keeps the choices made before.
    let dry = check(&app, &client, id, "skip").await;
    assert_eq!(dry.counts.rejected, 0);
    run(&app, &client, id).await;
    let leads: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT email, lead_source, rating FROM leads WHERE email LIKE '%@values.example' ORDER BY email",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let some = |text: &str| Some(text.to_string());
    assert_eq!(
        leads,
        [
            ("ito@values.example".into(), some("other"), some("cold")),
            ("kim@values.example".into(), some("web"), some("hot")),
            ("lee@values.example".into(), some("other"), some("hot")),
        ]
    );
}

/// A file of several parts: kept in parts of at most `PIECE_BYTES` (so no step holds the
/// whole file), and read across their boundaries exactly as a whole file reads: Windows-1252
/// text, CRLF line ends and quoted values with line breaks wherever the cuts fall, each
/// row's line counted from the file's own line breaks.
#[tokio::test]
async fn a_file_larger_than_a_part_is_kept_and_read_in_parts() {
    use leadflow::import::csv_file::PIECE_BYTES;
    let app = TestApp::spawn().await;
    let client = app.signed_in("manager@example.com").await;
    let rows = 45_000;
    let mut file = b"Topic;Last Name;Email;Description\r\n".to_vec();
    let (mut line, mut bad_line, mut two_line_rows) = (2, 0, 0);
    for n in 0..rows {
        // \xFC is ü in Windows-1252; every seventh description spans two lines.
        let description: &[u8] = if n % 7 == 0 {
            two_line_rows += 1;
            b"\"first\r\nsecond M\xFCller\""
        } else {
            b"plain"
        };
        let email = if n == rows - 3 {
            bad_line = line;
            "not-an-email".to_string()
        } else {
            format!("parts{n}@parts.example")
        };
        file.extend_from_slice(format!("Expo {n};M").as_bytes());
        file.push(0xFC);
        file.extend_from_slice(format!("ller{n};{email};").as_bytes());
        file.extend_from_slice(description);
        file.extend_from_slice(b"\r\n");
        line += 1 + u64::from(n % 7 == 0);
    }
    assert!(file.len() > 2 * PIECE_BYTES, "the file spans three parts");
    let id = job_of(&app, &client, file.clone()).await;
    let (parts, largest, stored): (i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), MAX(length(bytes)), SUM(length(bytes)) FROM import_file_parts WHERE job_id = ?",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(parts as usize, file.len().div_ceil(PIECE_BYTES));
    assert!(largest as usize <= PIECE_BYTES);
    assert_eq!(stored as usize, file.len(), "the file is kept as it came");
    let job = view(&app, &client, id).await;
    assert_eq!(job.files[0].rows, rows);
    assert_eq!(job.files[0].columns[1].samples[0], "Müller0");

    let dry = check(&app, &client, id, "create").await;
    assert_eq!(
        (dry.counts.rows, dry.counts.created, dry.counts.rejected),
        (rows, rows - 1, 1)
    );
    assert_eq!(
        (dry.errors[0].line, dry.errors[0].column.as_str()),
        (bad_line, "Email")
    );
    let done = run(&app, &client, id).await;
    assert_eq!((done.counts.created, done.counts.rejected), (rows - 1, 1));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM leads WHERE description = 'first\r\nsecond Müller' AND last_name LIKE 'Müller%'"
        )
        .await,
        two_line_rows,
        "every two-line value read whole, wherever a part ended"
    );
    let rejected: i64 = sqlx::query_scalar(
        "SELECT line FROM import_rows WHERE job_id = ? AND outcome = 'rejected'",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(rejected as u64, bad_line);
    let errors = client
        .get(format!("{}/api/import/{id}/errors.csv", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(errors.as_bytes());
    let error_rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(error_rows.len(), 1);
    assert_eq!(&error_rows[0][1], format!("Müller{}", rows - 3));
}

/// A file kept whole by an earlier version (one BLOB per file, no encoding recorded) is one
/// part after the migration and reads as it did: Windows-1252 told from its bytes.
#[tokio::test]
async fn a_file_kept_whole_before_parts_reads_after_the_migration() {
    let dir = tempfile::tempdir().unwrap();
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(dir.path().join("old.db"))
        .create_if_missing(true)
        .foreign_keys(false);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    let all = sqlx::migrate!("./migrations");
    let before_parts = sqlx::migrate::Migrator {
        migrations: all
            .migrations
            .iter()
            .filter(|m| m.version < 10)
            .cloned()
            .collect::<Vec<_>>()
            .into(),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    before_parts.run(&pool).await.unwrap();
    sqlx::query(
        "INSERT INTO import_jobs (id, user_id, entity, source_system, status, settings, rows_total, uploaded_at) \
         VALUES (7, 1, 'leads', 'spreadsheet', 'uploaded', '{}', 2, '2026-01-01T00:00:00Z')",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO import_files (job_id, position, name, entity, rows_total, bytes) VALUES (7, 0, 'old.csv', 'leads', 2, ?)",
    )
    .bind(&b"Last Name;City\r\nM\xFCller;\"K\xF6ln\r\nNord\"\r\nLee;Oslo\r\n"[..])
    .execute(&pool)
    .await
    .unwrap();
    all.run(&pool).await.unwrap();
    let mut rows = leadflow::import::stored_file::FileRows::open(&pool, 7, 0)
        .await
        .unwrap();
    assert_eq!(rows.headers, ["Last Name", "City"]);
    let read = rows.chunk(10).await.unwrap();
    assert_eq!(
        read,
        [
            (
                2,
                Ok(vec!["Müller".to_string(), "Köln\r\nNord".to_string()])
            ),
            (4, Ok(vec!["Lee".to_string(), "Oslo".to_string()])),
        ]
    );
}

/// The activity list exports its whole view in its order; each activity names its record
/// as a typed reference (a lead and a contact of the same id stay apart), so the file
/// re-imports as unchanged and a new row of it lands on the record it names.
#[tokio::test]
async fn the_activity_list_exports_its_view_and_reimports_as_unchanged() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("manager@example.com").await;
    for regarding in ["lead", "contact", "account", "opportunity"] {
        crate::activities::log(
            &app,
            &client,
            regarding,
            1,
            &[
                ("activity[kind]", "task"),
                (
                    "activity[subject]",
                    &format!("Export check on {regarding} 1"),
                ),
                ("activity[due_date]", "2027-01-15"),
            ],
        )
        .await
        .unwrap();
    }
    let response = client
        .get(format!(
            "{}/api/activities/export.csv?view=all&sort=due",
            app.address
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.unwrap().to_vec();
    let (header, rows) = export_rows(&bytes);
    let expected: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM activities ORDER BY due_date IS NULL, due_date, id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let exported: Vec<i64> = rows.iter().map(|row| row[0].parse().unwrap()).collect();
    assert!(exported.len() > 25, "more than one page");
    assert_eq!(exported, expected, "in the list's order");
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (person, regarding, subject) = (column("Person"), column("Regarding"), column("Subject"));
    let reference = |kind: &str| {
        let row = rows
            .iter()
            .find(|row| row[subject] == format!("Export check on {kind} 1"))
            .unwrap();
        (row[person].to_string(), row[regarding].to_string())
    };
    assert_eq!(reference("lead"), ("lead:1".to_string(), String::new()));
    assert_eq!(
        reference("contact"),
        ("contact:1".to_string(), String::new())
    );
    assert_eq!(
        reference("account"),
        (String::new(), "account:1".to_string())
    );
    assert_eq!(
        reference("opportunity"),
        (String::new(), "opportunity:1".to_string())
    );

    let id = job_id(&upload_as(&app, &client, "activities", "activities.csv", bytes).await);
    let dry = check(&app, &client, id, "overwrite").await;
    let total = expected.len() as u64;
    assert_eq!(
        (dry.counts.rows, dry.counts.unchanged, dry.counts.rejected),
        (total, total, 0),
        "{:?}",
        dry.errors
    );

    // A new row of the same shape: its typed reference picks the lead, not contact 1.
    let new_row = format!(
        "{}\r\n,,Task,Call back from the file,,2027-02-01,Open,lead:1,,,,,,,manager@example.com,\r\n",
        header.iter().collect::<Vec<_>>().join(",")
    );
    let id = job_id(
        &upload_as(
            &app,
            &client,
            "activities",
            "activities.csv",
            new_row.into_bytes(),
        )
        .await,
    );
    let done = {
        check(&app, &client, id, "create").await;
        run(&app, &client, id).await
    };
    assert_eq!((done.counts.created, done.counts.rejected), (1, 0));
    let (lead, contact): (Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT lead_id, contact_id FROM activities WHERE subject = 'Call back from the file'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((lead, contact), (Some(1), None));
    let anonymous = app
        .client()
        .get(format!("{}/api/activities/export.csv", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

/// With "skip", a row skipped as a duplicate still stands for what it duplicates: another
/// file's reference to its source id points there (an earlier row's new record, or the
/// existing record), in the dry run and the run alike, instead of rejecting the row.
#[tokio::test]
async fn references_to_a_skipped_duplicate_follow_it_to_what_it_duplicates() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("admin@example.com").await;
    let (existing, name): (i64, String) =
        sqlx::query_as("SELECT id, name FROM accounts WHERE active = 1 ORDER BY id LIMIT 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let accounts = format!(
        "Id,Name\n001A,Harbor Lights Ltd\n001B,Harbor Lights Ltd\n001C,\"{}\"\n",
        name.replace('"', "\"\"")
    );
    let contacts = "Id,LastName,FirstName,AccountId,Email\n\
        003A,Ames,Ann,001B,ann@follow.example\n\
        003C,Cole,Cy,001C,cy@follow.example\n";
    let id = job_of_named(
        &app,
        &client,
        vec![
            ("Account.csv".into(), accounts.into_bytes()),
            ("Contact.csv".into(), contacts.as_bytes().to_vec()),
        ],
    )
    .await;
    let dry = check(&app, &client, id, "skip").await;
    assert_eq!(
        (dry.counts.created, dry.counts.skipped, dry.counts.rejected),
        (3, 2, 0),
        "{:?} {:?}",
        dry.errors,
        dry.duplicates
    );
    let done = run(&app, &client, id).await;
    let outcomes: Vec<(i64, i64, String, Option<String>)> = sqlx::query_as(
        "SELECT file, line, outcome, message FROM import_rows WHERE job_id = ? ORDER BY file, line",
    )
    .bind(id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        (
            done.counts.created,
            done.counts.skipped,
            done.counts.rejected
        ),
        (3, 2, 0),
        "{outcomes:?}"
    );
    let account_of = |email: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT account_id FROM contacts WHERE email = ?")
                .bind(email)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let first: i64 = sqlx::query_scalar(
        "SELECT id FROM accounts WHERE source_system = 'salesforce' AND source_id = '001A'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(account_of("ann@follow.example").await, first);
    assert_eq!(account_of("cy@follow.example").await, existing);
}

/// A re-import that names another stage for an open deal moves it there (the stage history
/// says from, to, who and when; probability and forecast follow the new stage), and undo
/// moves it back with its probability following the stage again, not set by hand.
#[tokio::test]
async fn a_reimport_moves_an_open_deal_to_its_stage_and_undo_moves_it_back() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("manager@example.com").await;
    let (deal, from_stage): (i64, i64) = sqlx::query_as(
        "SELECT id, stage_id FROM opportunities WHERE status = 'open' AND probability_overridden = 0 \
         AND forecast_overridden = 0 ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let stages: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT id, name, default_probability FROM stages WHERE entity = 'opportunity' \
         AND process_id = (SELECT process_id FROM opportunities WHERE id = ?) ORDER BY position",
    )
    .bind(deal)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let (to_stage, to_name, to_probability) = stages
        .iter()
        .rev()
        .find(|(id, ..)| *id != from_stage)
        .cloned()
        .unwrap();
    let from_probability = stages.iter().find(|s| s.0 == from_stage).unwrap().2;

    let exported = client
        .get(format!(
            "{}/api/opportunities/export.csv?view=all-open",
            app.address
        ))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let (header, rows) = export_rows(&exported);
    let stage_column = header.iter().position(|h| h == "Stage").unwrap();
    let mut row: Vec<String> = rows
        .iter()
        .find(|row| row[0] == deal.to_string())
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    row[stage_column] = to_name.clone();
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header).unwrap();
    writer.write_record(&row).unwrap();
    let file = writer.into_inner().unwrap();
    let id = job_id(&upload_as(&app, &client, "opportunities", "opportunities.csv", file).await);
    let dry = check(&app, &client, id, "overwrite").await;
    assert_eq!(
        (dry.counts.updated, dry.counts.rejected),
        (1, 0),
        "{:?}",
        dry.errors
    );
    let done = run(&app, &client, id).await;
    assert_eq!(done.counts.updated, 1);

    let state = || {
        let pool = app.pool.clone();
        async move {
            sqlx::query_as::<_, (i64, i64, bool)>(
                "SELECT stage_id, probability, probability_overridden FROM opportunities WHERE id = ?",
            )
            .bind(deal)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(state().await, (to_stage, to_probability, false));
    let moves = || {
        let pool = app.pool.clone();
        async move {
            sqlx::query_as::<_, (i64, i64)>(
                "SELECT from_stage_id, to_stage_id FROM stage_history \
                 WHERE record_type = 'opportunity' AND record_id = ? ORDER BY id",
            )
            .bind(deal)
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(moves().await.last(), Some(&(from_stage, to_stage)));

    let undone = app
        .call(&client, "/api/import/undo", &[("id", &id.to_string())])
        .await;
    assert_eq!(undone.status(), StatusCode::OK);
    let report: leadflow::import::UndoReport = undone.json().await.unwrap();
    assert_eq!(report.restored, 1);
    assert_eq!(
        state().await,
        (from_stage, from_probability, false),
        "back at its stage, its probability following the stage again"
    );
    assert_eq!(moves().await.last(), Some(&(to_stage, from_stage)));
}

/// Browsers ask for compressed responses, and every list's export must still arrive whole:
/// the compression layer polls the streamed body once more after its end.
#[tokio::test]
async fn every_export_downloads_whole_when_compressed_as_browsers_ask() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("manager@example.com").await;
    for list in [
        "leads",
        "opportunities",
        "accounts",
        "contacts",
        "activities",
    ] {
        let response = client
            .get(format!("{}/api/{list}/export.csv", app.address))
            .header("Accept-Encoding", "gzip, deflate, br")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{list}");
        assert!(
            response.headers().contains_key("content-encoding"),
            "{list} is compressed"
        );
        let body = response.bytes().await;
        assert!(
            body.as_ref().is_ok_and(|bytes| !bytes.is_empty()),
            "{list}: the download ends whole: {body:?}"
        );
    }
}

#[tokio::test]
async fn an_import_puts_its_rows_into_the_chosen_list() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("manager@example.com").await;
    let response = app
        .call(
            &client,
            "/api/lists/create",
            &[("list[name]", "Expo 2026"), ("list[member_type]", "lead")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let list: i64 = response.json().await.unwrap();
    let file =
        b"Topic,Last Name,Email\r\nExpo,Lund,lund@example.org\r\nExpo,Sato,sato@example.org\r\n";
    let id = job_of(&app, &client, file.to_vec()).await;
    assert!(
        view(&app, &client, id)
            .await
            .lists
            .iter()
            .any(|(l, _)| *l == list)
    );
    check_with(
        &app,
        &client,
        id,
        "skip",
        &[("list_id".into(), list.to_string())],
    )
    .await;
    run(&app, &client, id).await;
    let members: Vec<(String, String)> = sqlx::query_as(
        "SELECT l.email, m.added_from FROM marketing_list_members m \
         JOIN leads l ON l.id = m.member_id WHERE m.list_id = ? ORDER BY l.email",
    )
    .bind(list)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let from = format!("Import #{id}");
    assert_eq!(
        members,
        [
            ("lund@example.org".to_string(), from.clone()),
            ("sato@example.org".to_string(), from)
        ]
    );
}
